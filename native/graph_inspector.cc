#include "graph_inspector.h"

namespace tflite_node {

GraphInspector::GraphInspector() : delegate_(TfLiteDelegateCreate()) {
  delegate_.data_ = this;
  delegate_.Prepare = &GraphInspector::Prepare;
  // Claims no node, so dynamic tensors are no reason for TFLite to refuse it (or to allocate early).
  delegate_.flags = kTfLiteDelegateFlagsAllowDynamicTensors;
}

TfLiteStatus GraphInspector::Attach(TfLiteInterpreter* interpreter) {
  return TfLiteInterpreterModifyGraphWithDelegate(interpreter, &delegate_);
}

TfLiteStatus GraphInspector::Prepare(TfLiteContext* context, TfLiteDelegate* delegate) {
  auto* self = static_cast<GraphInspector*>(delegate->data_);
  if (self->context_ != nullptr) return kTfLiteOk;  // TFLite prepares subgraphs in order; the first is primary
  self->context_ = context;
  TfLiteIntArray* plan = nullptr;
  if (context->GetExecutionPlan(context, &plan) != kTfLiteOk) return kTfLiteOk;
  for (int i = 0; i < plan->size; ++i) {
    TfLiteNode* node = nullptr;
    TfLiteRegistration* registration = nullptr;
    if (context->GetNodeAndRegistration(context, plan->data[i], &node, &registration) != kTfLiteOk) continue;
    PlannedNode planned{registration->builtin_code, registration->custom_name ? registration->custom_name : "",
                        node->delegate, 0};
    if (node->delegate != nullptr && node->builtin_data != nullptr) {
      auto* params = static_cast<const TfLiteDelegateParams*>(node->builtin_data);
      planned.replacedNodes = params->nodes_to_replace ? params->nodes_to_replace->size : 0;
    }
    self->plan_.push_back(std::move(planned));
  }
  return kTfLiteOk;
}

TfLiteTensor* GraphInspector::Tensor(int index) const {
  if (context_ == nullptr || index < 0 || static_cast<size_t>(index) >= context_->tensors_size) return nullptr;
  return &context_->tensors[index];
}

}  // namespace tflite_node
