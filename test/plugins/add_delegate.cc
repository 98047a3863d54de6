// A TFLite external delegate plugin for the tests: a real TfLiteDelegate (the classic struct of
// tensorflow/lite/core/c/common.h) that claims float32 ADD nodes with same-shape inputs and computes them with its
// own kernel. It needs no hardware and links nothing from TFLite: everything goes through TfLiteContext.
//
// Options (all strings, as the plugin ABI passes them):
//   mode  ok (default) | fail-create (report_error, then NULL) | fail-prepare (Prepare reports through
//         context->ReportError and returns kTfLiteDelegateError) | fail-invoke (the kernel's invoke fails)
//   tag   any string, recorded in the log
//   log   a file to append JSON lines to: create, prepare (nodes claimed), init, invoke (running count), destroy
// Any other option is recorded too, so a test can check that every option arrived.
//
// Built with -DTEST_PLUGIN_NO_DESTROY it lacks tflite_plugin_destroy_delegate: a library that is not a complete
// plugin, for the error path.
#include <atomic>
#include <string>
#include <vector>

#include "plugin_common.h"
#include "tensorflow/lite/core/c/builtin_op_data.h"

using namespace test_plugin;  // NOLINT: a test plugin of one file

namespace {

constexpr char kKernelName[] = "TestAddDelegate";

std::atomic<long> totalInvocations{0};
std::atomic<int> nextId{1};

struct AddDelegate {
  TfLiteDelegate delegate;
  int id = 0;
  std::string mode = "ok", tag, log;
  std::atomic<long> invocations{0};
};

// One delegate kernel per claimed ADD node.
struct AddKernel {
  AddDelegate* owner;
  int node, a, b, out;
  TfLiteFusedActivation activation;
};

AddDelegate* Owner(TfLiteDelegate* delegate) { return static_cast<AddDelegate*>(delegate->data_); }

bool SameDims(const TfLiteIntArray* x, const TfLiteIntArray* y) {
  if (x == nullptr || y == nullptr || x->size != y->size) return false;
  for (int i = 0; i < x->size; ++i) {
    if (x->data[i] != y->data[i]) return false;
  }
  return true;
}

size_t ElementCount(const TfLiteIntArray* dims) {
  size_t count = 1;
  for (int i = 0; i < dims->size; ++i) count *= static_cast<size_t>(dims->data[i]);
  return count;
}

bool Supported(TfLiteFusedActivation activation) {
  return activation == kTfLiteActNone || activation == kTfLiteActRelu || activation == kTfLiteActReluN1To1 ||
         activation == kTfLiteActRelu6;
}

float Activate(float value, TfLiteFusedActivation activation) {
  switch (activation) {
    case kTfLiteActRelu: return value < 0 ? 0 : value;
    case kTfLiteActReluN1To1: return value < -1 ? -1 : (value > 1 ? 1 : value);
    case kTfLiteActRelu6: return value < 0 ? 0 : (value > 6 ? 6 : value);
    default: return value;
  }
}

// A float32 ADD of two same-shape inputs with an activation the kernel implements.
bool Claimable(TfLiteContext* context, TfLiteNode* node, TfLiteRegistration* registration) {
  if (registration->builtin_code != kTfLiteBuiltinAdd || node->inputs->size != 2 || node->outputs->size != 1) {
    return false;
  }
  const TfLiteTensor* a = &context->tensors[node->inputs->data[0]];
  const TfLiteTensor* b = &context->tensors[node->inputs->data[1]];
  const TfLiteTensor* out = &context->tensors[node->outputs->data[0]];
  if (a->type != kTfLiteFloat32 || b->type != kTfLiteFloat32 || out->type != kTfLiteFloat32) return false;
  auto* params = static_cast<const TfLiteAddParams*>(node->builtin_data);
  return SameDims(a->dims, b->dims) && (params == nullptr || Supported(params->activation));
}

// ---- the delegate kernel ------------------------------------------------------------------------------------------

void* KernelInit(TfLiteContext* context, const char* buffer, size_t) {
  int index = -1;
  TfLiteDelegate* delegate = nullptr;
  TfLiteNode* node = ReplacedNode(context, buffer, &index, &delegate);
  if (node == nullptr || node->inputs->size != 2) return nullptr;
  auto* kernel = new AddKernel{Owner(delegate), index, node->inputs->data[0], node->inputs->data[1],
                               node->outputs->data[0], kTfLiteActNone};
  if (node->builtin_data != nullptr) kernel->activation = static_cast<TfLiteAddParams*>(node->builtin_data)->activation;
  Log(kernel->owner->log, "init", {{"id", std::to_string(kernel->owner->id)}, {"node", std::to_string(index)}});
  return kernel;
}

void KernelFree(TfLiteContext*, void* buffer) { delete static_cast<AddKernel*>(buffer); }

TfLiteStatus KernelPrepare(TfLiteContext* context, TfLiteNode* node) {
  auto* kernel = static_cast<AddKernel*>(node->user_data);
  if (kernel == nullptr) {
    context->ReportError(context, "%s: kernel was not initialised", kKernelName);
    return kTfLiteError;
  }
  TfLiteTensor* a = &context->tensors[kernel->a];
  TfLiteTensor* b = &context->tensors[kernel->b];
  TfLiteTensor* out = &context->tensors[kernel->out];
  if (!SameDims(a->dims, b->dims)) {
    context->ReportError(context, "%s: inputs of node %d differ in shape (no broadcasting)", kKernelName, kernel->node);
    return kTfLiteError;
  }
  if (!SameDims(a->dims, out->dims)) {  // after resizeInput
    return context->ResizeTensor(context, out, IntArray(std::vector<int>(a->dims->data, a->dims->data + a->dims->size)));
  }
  return kTfLiteOk;
}

TfLiteStatus KernelInvoke(TfLiteContext* context, TfLiteNode* node) {
  auto* kernel = static_cast<AddKernel*>(node->user_data);
  AddDelegate* owner = kernel->owner;
  if (owner->mode == "fail-invoke") {
    context->ReportError(context, "%s: invoke failed on purpose (mode=fail-invoke, tag=%s)", kKernelName,
                         owner->tag.c_str());
    return kTfLiteError;
  }
  const TfLiteTensor* a = &context->tensors[kernel->a];
  const TfLiteTensor* b = &context->tensors[kernel->b];
  TfLiteTensor* out = &context->tensors[kernel->out];
  size_t count = ElementCount(out->dims);
  if (count > 0 && (a->data.f == nullptr || b->data.f == nullptr || out->data.f == nullptr)) {
    context->ReportError(context, "%s: a tensor of node %d has no data", kKernelName, kernel->node);
    return kTfLiteError;
  }
  for (size_t i = 0; i < count; ++i) out->data.f[i] = Activate(a->data.f[i] + b->data.f[i], kernel->activation);
  long mine = ++owner->invocations;
  ++totalInvocations;
  Log(owner->log, "invoke", {{"id", std::to_string(owner->id)}, {"node", std::to_string(kernel->node)},
                             {"count", std::to_string(mine)}});
  return kTfLiteOk;
}

// ---- the delegate ---------------------------------------------------------------------------------------------------

TfLiteStatus DelegatePrepare(TfLiteContext* context, TfLiteDelegate* delegate) {
  AddDelegate* self = Owner(delegate);
  if (self->mode == "fail-prepare") {
    context->ReportError(context, "add_delegate: prepare failed on purpose (mode=fail-prepare, tag=%s)",
                         self->tag.c_str());
    Log(self->log, "prepare-failed", {{"id", std::to_string(self->id)}});
    return kTfLiteDelegateError;
  }
  std::vector<int> claimed = FindNodes(context, Claimable);
  TfLiteStatus status =
      ReplaceEachNode(context, delegate, claimed, kKernelName, KernelInit, KernelFree, KernelPrepare, KernelInvoke);
  Log(self->log, "prepare", {{"id", std::to_string(self->id)}, {"claimed", IntList(claimed)}});
  return status;
}

}  // namespace

extern "C" {

EXPORT TfLiteDelegate* tflite_plugin_create_delegate(char** keys, char** values, size_t count,
                                                     void (*report_error)(const char*)) {
  auto* self = new AddDelegate();
  for (size_t i = 0; i < count; ++i) {
    std::string key = keys[i];
    if (key == "mode") self->mode = values[i];
    else if (key == "tag") self->tag = values[i];
    else if (key == "log") self->log = values[i];
  }
  std::string options = Options(keys, values, count);
  if (self->mode != "ok" && self->mode != "fail-prepare" && self->mode != "fail-invoke") {
    std::string message = self->mode == "fail-create"
                              ? "add_delegate: refusing to create a delegate (mode=fail-create, tag=" + self->tag + ")"
                              : "add_delegate: unknown mode '" + self->mode + "'";
    Log(self->log, "create-failed", {{"options", options}, {"message", Quote(message)}});
    if (report_error != nullptr) report_error(message.c_str());
    delete self;
    return nullptr;
  }
  self->id = nextId++;
  // Static shapes only, like most hardware delegates.
  InitDelegate(&self->delegate, self, DelegatePrepare, kTfLiteDelegateFlagsNone);
  Log(self->log, "create", {{"id", std::to_string(self->id)}, {"options", options}});
  return &self->delegate;
}

#ifndef TEST_PLUGIN_NO_DESTROY
EXPORT void tflite_plugin_destroy_delegate(TfLiteDelegate* delegate) {
  AddDelegate* self = Owner(delegate);
  Log(self->log, "destroy", {{"id", std::to_string(self->id)}, {"invocations", std::to_string(self->invocations)}});
  delete self;
}
#endif

// Kernel invocations by every delegate of this library in this process (for C hosts that can dlsym it).
EXPORT long add_delegate_invocations(void) { return totalInvocations; }

}  // extern "C"
