// What the C API does not expose: tensors by index (Python's get_tensor/set_tensor/tensor take any tensor index),
// the tensor count, and the execution plan after delegation (which ops run, and how many nodes each delegate took).
// Read through TfLiteInterpreterVisitExecutionPlan, which the recipe's patch 0015 adds to the C API: once right
// after TfLiteInterpreterCreate (the model's own ops and tensor count), once after the last delegate. It hands back
// the primary subgraph's TfLiteContext, which lives as long as the interpreter. (Before that patch a no-op delegate
// applied after the others read the plan in its Prepare, and cost a whole re-preparation of the graph.)
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
  int nodeIndex;                    // the node's index in the subgraph
  std::vector<int> outputs;         // its output tensor indices
};

// A tensor whose size TFLite only learns while running (kTfLiteDynamic), and the model node computing it.
struct DynamicTensor {
  int tensor = -1;                  // -1: none
  const PlannedNode* producer = nullptr;
};

class GraphInspector {
 public:
  // Call once before applying any delegate and once after the last.
  void CaptureFirst(TfLiteInterpreter* interpreter) { Capture(interpreter, first_); }
  void CaptureLast(TfLiteInterpreter* interpreter) { Capture(interpreter, last_); }

  // A tensor of the primary subgraph by index, or nullptr when out of range. Never cache the pointer: TFLite may
  // grow its tensor array while allocating.
  TfLiteTensor* Tensor(int index) const;
  int TensorCount() const { return context_ ? static_cast<int>(context_->tensors_size) : 0; }
  // The primary subgraph's index of `tensor`, or -1 when it belongs to another subgraph.
  int IndexOf(const TfLiteTensor* tensor) const;
  // Tensors in the model itself (before kernels and delegates add temporaries): what Python reports.
  int ModelTensorCount() const { return first_.tensorCount; }
  const std::vector<PlannedNode>& modelPlan() const { return first_.plan; }
  const std::vector<PlannedNode>& plan() const { return last_.plan; }
  // The first output of a model node (in execution order) that is dynamic-sized now: why a delegate that supports
  // static shapes only was refused. After a failed delegation TFLite has prepared the graph up to that node.
  DynamicTensor FirstDynamicOutput() const;

 private:
  struct Phase {
    int tensorCount = 0;
    std::vector<PlannedNode> plan;
  };
  void Capture(TfLiteInterpreter* interpreter, Phase& phase);
  static void Visit(void* data, int nodeIndex, const TfLiteNode* node, const TfLiteRegistration* registration);
  Phase first_, last_;
  TfLiteContext* context_ = nullptr;
};

}  // namespace tflite_node
