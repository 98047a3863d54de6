// What the C API does not expose: tensors by index (Python's get_tensor/set_tensor/tensor take any tensor index),
// the tensor count, and the execution plan after delegation (which ops run, and how many nodes each delegate took).
// A delegate that claims nothing is applied last; TFLite hands its Prepare the primary subgraph's TfLiteContext,
// which lives as long as the interpreter. The plan is read inside Prepare, the only time TFLite allows it.
#pragma once
#include <string>
#include <vector>
#include "tflite.h"

namespace tflite_node {

struct PlannedNode {
  int builtinCode;                  // kTfLiteBuiltin*; kTfLiteBuiltinDelegate for a delegate's kernel
  std::string customName;           // custom op or delegate kernel name
  const TfLiteDelegate* delegate;   // the delegate running this node, or nullptr
  int replacedNodes;                // for delegate kernels: how many original nodes it took
};

class GraphInspector {
 public:
  GraphInspector();
  TfLiteStatus Attach(TfLiteInterpreter* interpreter);

  // A tensor of the primary subgraph by index, or nullptr when out of range. Never cache the pointer: TFLite may
  // grow its tensor array while allocating.
  TfLiteTensor* Tensor(int index) const;
  int TensorCount() const { return context_ ? static_cast<int>(context_->tensors_size) : 0; }
  const std::vector<PlannedNode>& plan() const { return plan_; }

 private:
  static TfLiteStatus Prepare(TfLiteContext* context, TfLiteDelegate* delegate);
  TfLiteDelegate delegate_;
  TfLiteContext* context_ = nullptr;
  std::vector<PlannedNode> plan_;
};

}  // namespace tflite_node
