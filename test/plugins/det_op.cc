// A custom op library for the customOps option (lib/custom-ops.ts): MatrixDeterminant, the custom op of
// test/fixtures/custom_op.tflite (tf.linalg.det converted with allow_custom_ops), for one float32 n x n matrix.
// It exports the registerer the package calls by default, TfLiteRuntimeRegisterCustomOps, which adds the kernel
// through the C API, as a user's own op library would.
#include <cmath>
#include <utility>
#include <vector>

#include "tensorflow/lite/c/c_api.h"
#include "tensorflow/lite/c/c_api_experimental.h"  // TfLiteInterpreterOptionsAddCustomOp
#include "tensorflow/lite/core/c/common.h"

namespace {

TfLiteStatus Prepare(TfLiteContext* context, TfLiteNode* node) {
  if (node->inputs->size != 1 || node->outputs->size != 1) return kTfLiteError;
  const TfLiteTensor& input = context->tensors[node->inputs->data[0]];
  TfLiteTensor& output = context->tensors[node->outputs->data[0]];
  if (input.type != kTfLiteFloat32 || output.type != kTfLiteFloat32 || input.dims->size != 2 ||
      input.dims->data[0] != input.dims->data[1]) {
    context->ReportError(context, "MatrixDeterminant: expected one float32 square matrix");
    return kTfLiteError;
  }
  return context->ResizeTensor(context, &output, TfLiteIntArrayCreate(0));
}

// Gaussian elimination with partial pivoting, in double.
TfLiteStatus Invoke(TfLiteContext* context, TfLiteNode* node) {
  const TfLiteTensor& input = context->tensors[node->inputs->data[0]];
  TfLiteTensor& output = context->tensors[node->outputs->data[0]];
  const int n = input.dims->data[0];
  std::vector<double> a(input.data.f, input.data.f + n * n);
  double det = 1;
  for (int col = 0; col < n; ++col) {
    int pivot = col;
    for (int row = col + 1; row < n; ++row) {
      if (std::fabs(a[row * n + col]) > std::fabs(a[pivot * n + col])) pivot = row;
    }
    if (a[pivot * n + col] == 0) {
      det = 0;
      break;
    }
    if (pivot != col) {
      for (int k = 0; k < n; ++k) std::swap(a[col * n + k], a[pivot * n + k]);
      det = -det;
    }
    det *= a[col * n + col];
    for (int row = col + 1; row < n; ++row) {
      const double factor = a[row * n + col] / a[col * n + col];
      for (int k = col; k < n; ++k) a[row * n + k] -= factor * a[col * n + k];
    }
  }
  output.data.f[0] = static_cast<float>(det);
  return kTfLiteOk;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void TfLiteRuntimeRegisterCustomOps(TfLiteInterpreterOptions* options) {
  static TfLiteRegistration registration = {};
  registration.prepare = Prepare;
  registration.invoke = Invoke;
  TfLiteInterpreterOptionsAddCustomOp(options, "MatrixDeterminant", &registration, 1, 1);
}
