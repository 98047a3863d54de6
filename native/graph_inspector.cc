#include "graph_inspector.h"

namespace tflite_node {

GraphInspector::GraphInspector() {
  for (Phase* phase : {&first_, &last_}) {
    phase->delegate = TfLiteDelegateCreate();
    phase->delegate.data_ = phase;
    phase->delegate.Prepare = &GraphInspector::Prepare;
    // Claims no node, so dynamic tensors are no reason for TFLite to refuse it (or to allocate early).
    phase->delegate.flags = kTfLiteDelegateFlagsAllowDynamicTensors;
    phase->owner = this;
  }
}

TfLiteStatus GraphInspector::Attach(TfLiteInterpreter* interpreter, Phase& phase) {
  return TfLiteInterpreterModifyGraphWithDelegate(interpreter, &phase.delegate);
}

TfLiteStatus GraphInspector::Prepare(TfLiteContext* context, TfLiteDelegate* delegate) {
  auto* phase = static_cast<Phase*>(delegate->data_);
  // TFLite prepares subgraphs in order, the primary first; it also re-prepares delegates after a resize.
  if (phase->captured) return kTfLiteOk;
  phase->captured = true;
  phase->owner->context_ = context;
  // TFLite 2.14 appends unnamed kTfLiteNoType placeholders after the model's own tensors: not part of the model.
  int count = static_cast<int>(context->tensors_size);
  while (count > 0 && context->tensors[count - 1].type == kTfLiteNoType && context->tensors[count - 1].name == nullptr) {
    --count;
  }
  phase->tensorCount = count;
  TfLiteIntArray* plan = nullptr;
  if (context->GetExecutionPlan(context, &plan) != kTfLiteOk) return kTfLiteOk;
  for (int i = 0; i < plan->size; ++i) {
    TfLiteNode* node = nullptr;
    TfLiteRegistration* registration = nullptr;
    if (context->GetNodeAndRegistration(context, plan->data[i], &node, &registration) != kTfLiteOk) continue;
    PlannedNode planned{registration->builtin_code, registration->custom_name ? registration->custom_name : "",
                        node->delegate, 0, plan->data[i], {}};
    if (node->outputs != nullptr) planned.outputs.assign(node->outputs->data, node->outputs->data + node->outputs->size);
    if (node->delegate != nullptr && node->builtin_data != nullptr) {
      auto* params = static_cast<const TfLiteDelegateParams*>(node->builtin_data);
      planned.replacedNodes = params->nodes_to_replace ? params->nodes_to_replace->size : 0;
    }
    phase->plan.push_back(std::move(planned));
  }
  return kTfLiteOk;
}

TfLiteTensor* GraphInspector::Tensor(int index) const {
  if (context_ == nullptr || index < 0 || static_cast<size_t>(index) >= context_->tensors_size) return nullptr;
  return &context_->tensors[index];
}

DynamicTensor GraphInspector::FirstDynamicOutput() const {
  for (const PlannedNode& node : first_.plan) {
    for (int output : node.outputs) {
      const TfLiteTensor* tensor = Tensor(output);
      if (tensor != nullptr && tensor->allocation_type == kTfLiteDynamic) return {output, &node};
    }
  }
  return {};
}

int GraphInspector::IndexOf(const TfLiteTensor* tensor) const {
  if (context_ == nullptr || tensor < context_->tensors || tensor >= context_->tensors + context_->tensors_size) {
    return -1;
  }
  return static_cast<int>(tensor - context_->tensors);
}

}  // namespace tflite_node
