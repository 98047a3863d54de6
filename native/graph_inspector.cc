#include "graph_inspector.h"

namespace tflite_node {

void GraphInspector::Capture(TfLiteInterpreter* interpreter, Phase& phase) {
  phase.plan.clear();
  context_ = TfLiteInterpreterVisitExecutionPlan(interpreter, &GraphInspector::Visit, &phase);
  // TFLite 2.14 appends unnamed kTfLiteNoType placeholders after the model's own tensors: not part of the model.
  int count = static_cast<int>(context_->tensors_size);
  while (count > 0 && context_->tensors[count - 1].type == kTfLiteNoType && context_->tensors[count - 1].name == nullptr) {
    --count;
  }
  phase.tensorCount = count;
}

void GraphInspector::Visit(void* data, int nodeIndex, const TfLiteNode* node, const TfLiteRegistration* registration) {
  auto* phase = static_cast<Phase*>(data);
  PlannedNode planned{registration->builtin_code, registration->custom_name ? registration->custom_name : "",
                      node->delegate, 0, nodeIndex, {}};
  if (node->outputs != nullptr) planned.outputs.assign(node->outputs->data, node->outputs->data + node->outputs->size);
  if (node->delegate != nullptr && node->builtin_data != nullptr) {
    auto* params = static_cast<const TfLiteDelegateParams*>(node->builtin_data);
    planned.replacedNodes = params->nodes_to_replace ? params->nodes_to_replace->size : 0;
  }
  phase->plan.push_back(std::move(planned));
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
