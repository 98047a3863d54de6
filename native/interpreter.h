// Wraps TfLiteInterpreter (with its TfLiteInterpreterOptions): creation with threads, cancellation and the error
// reporter; delegates applied in order after creation (external plugins, then XNNPACK); tensors by index.
#pragma once
#include <napi.h>
#include <uv.h>
#include <atomic>
#include <memory>
#include <string>
#include <vector>
#include "delegate.h"
#include "graph_inspector.h"
#include "model.h"
#include "runnable.h"
#include "tflite.h"

namespace tflite_node {

// Everything a TfLiteInterpreter needs alive while it exists: the model bytes, its delegates, the session whose
// error reporter it writes to. Shared by the JS Interpreter, its signature runners and every zero-copy view, so
// the memory under a view the GC has not collected yet is never freed by a finalizer (dispose() detaches views
// first and frees at once).
struct InterpreterCore {
  std::shared_ptr<Session> session = std::make_shared<Session>();
  std::shared_ptr<ModelHandle> model;
  std::vector<std::shared_ptr<DelegateHandle>> delegates;
  TfLiteInterpreterOptions* options = nullptr;
  TfLiteInterpreter* interpreter = nullptr;
  TfLiteDelegate* xnnpack = nullptr;
  GraphInspector inspector;
  // Async runs of this interpreter queued on `loop` and not completed yet (touched on the loop thread only).
  uv_loop_t* loop = nullptr;
  int jobsInFlight = 0;
  bool tearingDown = false;
  napi_env env = nullptr;
  std::shared_ptr<std::atomic<bool>> envAlive;

  // Registers FinishRunsForTeardown as an environment cleanup hook for as long as this core lives.
  void WatchTeardown(napi_env env);
  // At environment teardown: cancel a run in flight and drive the loop until its completion has been consumed,
  // so nothing of ours is pending when Node closes the loop.
  static void FinishRunsForTeardown(void* core);

  // Frees the interpreter now (idempotent). Waits for an async run in flight, cancelling it first.
  void Free();
  ~InterpreterCore();
};

class Interpreter : public Runnable<Interpreter> {
 public:
  static constexpr const char* kInvokeCall = "TfLiteInterpreterInvoke";
  static constexpr const char* kAllocateCall = "TfLiteInterpreterAllocateTensors";
  static constexpr const char* kResizeCall = "TfLiteInterpreterResizeInputTensor";

  static Napi::Function Define(Napi::Env env);
  explicit Interpreter(const Napi::CallbackInfo& info);
  static Interpreter* Checked(Napi::Env env, Napi::Value value) {
    return UnwrapTagged<Interpreter>(env, value, kInterpreterTag, "the interpreter");
  }

  // Runnable<Interpreter>
  const std::shared_ptr<InterpreterCore>& core() const { return core_; }
  TfLiteTensor* TensorAt(int index) { return core_->inspector.Tensor(index); }
  int InputCount() { return TfLiteInterpreterGetInputTensorCount(core_->interpreter); }
  const TfLiteTensor* InputTensor(int i) { return TfLiteInterpreterGetInputTensor(core_->interpreter, i); }
  TfLiteStatus DoAllocate() { return TfLiteInterpreterAllocateTensors(core_->interpreter); }
  TfLiteStatus DoResize(int input, const std::vector<int>& dims) {
    return TfLiteInterpreterResizeInputTensor(core_->interpreter, input, dims.data(),
                                              static_cast<int32_t>(dims.size()));
  }
  TfLiteStatus DoInvoke() { return TfLiteInterpreterInvoke(core_->interpreter); }
  void DoCancel() { TfLiteInterpreterCancel(core_->interpreter); }

 private:
  struct AppliedDelegate {
    std::string label;          // "xnnpack" or "delegates[i]"
    const TfLiteDelegate* delegate;
    bool applied;
    std::string error;
    // Refused for dynamic-sized tensors: the first one, and the node computing it (-1 when not that).
    int dynamicTensor = -1;
    int dynamicNode = -1;
    int dynamicOp = 0;
    std::string dynamicCustom;
  };
  // Fills entry's dynamic-tensor fields from what TFLite prepared (after kTfLiteApplicationError).
  void NoteDynamicTensor(AppliedDelegate& entry) const;

  void ApplyDelegates(Napi::Env env, Napi::Array delegates, Napi::Value xnnpack, bool fallback);
  TfLiteStatus Apply(TfLiteDelegate* delegate);

  Napi::Value InputIndices(const Napi::CallbackInfo& info);
  Napi::Value OutputIndices(const Napi::CallbackInfo& info);
  Napi::Value TensorCount(const Napi::CallbackInfo& info);
  Napi::Value SignatureKeys(const Napi::CallbackInfo& info);
  Napi::Value ModelTensorCount(const Napi::CallbackInfo& info);
  Napi::Value Plan(const Napi::CallbackInfo& info);
  Napi::Value ModelPlan(const Napi::CallbackInfo& info);
  Napi::Value PlanToJs(const Napi::CallbackInfo& info, const std::vector<PlannedNode>& plan);
  Napi::Value Delegates(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  std::shared_ptr<InterpreterCore> core_ = std::make_shared<InterpreterCore>();
  std::vector<AppliedDelegate> report_;
};

}  // namespace tflite_node
