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
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "plugin_log.h"
#include "tensorflow/lite/builtin_ops.h"
#include "tensorflow/lite/core/c/builtin_op_data.h"
#include "tensorflow/lite/core/c/common.h"

using test_plugin::IntList;
using test_plugin::Log;
using test_plugin::Quote;

namespace {

constexpr char kKernelName[] = "TestAddDelegate";

std::atomic<long> totalInvocations{0};
std::atomic<int> nextId{1};

struct AddDelegate {
  TfLiteDelegate delegate;
  int id = 0;
  std::string mode = "ok", tag, log;
  std::vector<std::pair<std::string, std::string>> options;
  std::atomic<long> invocations{0};
};

// One delegate kernel per claimed ADD node.
struct AddKernel {
  AddDelegate* owner;
  int node, a, b, out;
  TfLiteFusedActivation activation;
};

AddDelegate* Owner(TfLiteDelegate* delegate) { return static_cast<AddDelegate*>(delegate->data_); }

TfLiteIntArray* IntArray(const std::vector<int>& values) {
  // TFLite frees these with free() (TfLiteIntArrayFree).
  auto* array = static_cast<TfLiteIntArray*>(std::malloc(sizeof(int) * (values.size() + 1)));
  array->size = static_cast<int>(values.size());
  for (size_t i = 0; i < values.size(); ++i) array->data[i] = values[i];
  return array;
}

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

// ---- the delegate kernel ------------------------------------------------------------------------------------------

void* KernelInit(TfLiteContext* context, const char* buffer, size_t) {
  const auto* params = reinterpret_cast<const TfLiteDelegateParams*>(buffer);
  if (params == nullptr || params->nodes_to_replace == nullptr || params->nodes_to_replace->size != 1) return nullptr;
  TfLiteNode* node = nullptr;
  TfLiteRegistration* registration = nullptr;
  int index = params->nodes_to_replace->data[0];
  if (context->GetNodeAndRegistration(context, index, &node, &registration) != kTfLiteOk) return nullptr;
  auto* kernel = new AddKernel{Owner(params->delegate), index, node->inputs->data[0], node->inputs->data[1],
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
  if (!SameDims(a->dims, out->dims)) {
    std::vector<int> dims(a->dims->data, a->dims->data + a->dims->size);
    return context->ResizeTensor(context, out, IntArray(dims));
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
  TfLiteIntArray* plan = nullptr;
  if (context->GetExecutionPlan(context, &plan) != kTfLiteOk) return kTfLiteDelegateError;
  std::vector<int> claimed;
  for (int i = 0; i < plan->size; ++i) {
    TfLiteNode* node = nullptr;
    TfLiteRegistration* registration = nullptr;
    if (context->GetNodeAndRegistration(context, plan->data[i], &node, &registration) != kTfLiteOk) continue;
    if (registration->builtin_code != kTfLiteBuiltinAdd || node->inputs->size != 2 || node->outputs->size != 1) continue;
    const TfLiteTensor* a = &context->tensors[node->inputs->data[0]];
    const TfLiteTensor* b = &context->tensors[node->inputs->data[1]];
    const TfLiteTensor* out = &context->tensors[node->outputs->data[0]];
    if (a->type != kTfLiteFloat32 || b->type != kTfLiteFloat32 || out->type != kTfLiteFloat32) continue;
    if (!SameDims(a->dims, b->dims)) continue;
    auto* params = static_cast<const TfLiteAddParams*>(node->builtin_data);
    if (params != nullptr && !Supported(params->activation)) continue;
    claimed.push_back(plan->data[i]);
  }

  TfLiteRegistration registration{};
  registration.init = KernelInit;
  registration.free = KernelFree;
  registration.prepare = KernelPrepare;
  registration.invoke = KernelInvoke;
  registration.builtin_code = kTfLiteBuiltinDelegate;
  registration.custom_name = kKernelName;
  registration.version = 1;
  // One kernel per node (as libedgetpu does), so no tensor lives only inside a partition.
  for (int index : claimed) {
    TfLiteIntArray* nodes = IntArray({index});
    TfLiteStatus status = context->ReplaceNodeSubsetsWithDelegateKernels(context, registration, nodes, delegate);
    std::free(nodes);
    if (status != kTfLiteOk) return status;
  }
  Log(self->log, "prepare", {{"id", std::to_string(self->id)}, {"claimed", IntList(claimed)},
                             {"planSize", std::to_string(plan->size)}});
  return kTfLiteOk;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) TfLiteDelegate* tflite_plugin_create_delegate(
    char** keys, char** values, size_t count, void (*report_error)(const char*)) {
  auto* self = new AddDelegate();
  self->id = nextId++;
  std::string recorded = "{";
  for (size_t i = 0; i < count; ++i) {
    std::string key = keys[i], value = values[i];
    self->options.emplace_back(key, value);
    recorded += (i ? "," : "") + Quote(key) + ":" + Quote(value);
    if (key == "mode") self->mode = value;
    else if (key == "tag") self->tag = value;
    else if (key == "log") self->log = value;
  }
  recorded += "}";
  const bool known = self->mode == "ok" || self->mode == "fail-create" || self->mode == "fail-prepare" ||
                     self->mode == "fail-invoke";
  if (self->mode == "fail-create" || !known) {
    std::string message = self->mode == "fail-create"
                              ? "add_delegate: refusing to create a delegate (mode=fail-create, tag=" + self->tag + ")"
                              : "add_delegate: unknown mode '" + self->mode + "'";
    Log(self->log, "create-failed", {{"options", recorded}, {"message", Quote(message)}});
    if (report_error != nullptr) report_error(message.c_str());
    delete self;
    return nullptr;
  }
  std::memset(&self->delegate, 0, sizeof self->delegate);
  self->delegate.data_ = self;
  self->delegate.Prepare = DelegatePrepare;
  self->delegate.flags = kTfLiteDelegateFlagsNone;  // static shapes only, like most hardware delegates
  Log(self->log, "create", {{"id", std::to_string(self->id)}, {"options", recorded}});
  return &self->delegate;
}

#ifndef TEST_PLUGIN_NO_DESTROY
__attribute__((visibility("default"))) void tflite_plugin_destroy_delegate(TfLiteDelegate* delegate) {
  AddDelegate* self = Owner(delegate);
  Log(self->log, "destroy", {{"id", std::to_string(self->id)}, {"invocations", std::to_string(self->invocations)}});
  delete self;
}
#endif

// Kernel invocations by every delegate of this library in this process (for C hosts that can dlsym it).
__attribute__((visibility("default"))) long add_delegate_invocations(void) { return totalInvocations; }

}  // extern "C"
