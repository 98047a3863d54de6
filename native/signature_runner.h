// Wraps TfLiteSignatureRunner: one signature's named inputs and outputs, its own allocation and invoke. It shares
// its interpreter's Session (views, busy state, error reporter) and keeps the interpreter alive.
#pragma once
#include <napi.h>
#include <memory>
#include <string>
#include <vector>
#include "runnable.h"
#include "tflite.h"

namespace tflite_node {

struct InterpreterCore;

class SignatureRunner : public Runnable<SignatureRunner> {
 public:
  static constexpr const char* kInvokeCall = "TfLiteSignatureRunnerInvoke";
  static constexpr const char* kAllocateCall = "TfLiteSignatureRunnerAllocateTensors";
  static constexpr const char* kResizeCall = "TfLiteSignatureRunnerResizeInputTensor";

  static Napi::Function Define(Napi::Env env);
  explicit SignatureRunner(const Napi::CallbackInfo& info);
  ~SignatureRunner() override;

  // Runnable<SignatureRunner>; slots are inputs 0..n-1 then outputs.
  const std::shared_ptr<InterpreterCore>& core() const { return core_; }
  TfLiteTensor* TensorAt(int slot);
  int InputCount() { return static_cast<int>(inputs_.size()); }
  const TfLiteTensor* InputTensor(int i) { return TensorAt(i); }
  TfLiteStatus DoAllocate() { return TfLiteSignatureRunnerAllocateTensors(runner_); }
  TfLiteStatus DoResize(int input, const std::vector<int>& dims);
  TfLiteStatus DoInvoke() { return TfLiteSignatureRunnerInvoke(runner_); }
  void DoCancel() { TfLiteSignatureRunnerCancel(runner_); }

 private:
  Napi::Value InputNames(const Napi::CallbackInfo& info);
  Napi::Value OutputNames(const Napi::CallbackInfo& info);
  Napi::Value TensorIndices(const Napi::CallbackInfo& info);

  std::shared_ptr<InterpreterCore> core_;
  TfLiteSignatureRunner* runner_ = nullptr;
  std::vector<std::string> inputs_, outputs_;
};

}  // namespace tflite_node
