// The methods an Interpreter and a SignatureRunner share: both own tensors addressed by a "slot" (a tensor index
// for the interpreter, a position in inputs-then-outputs for a runner), allocate, resize and invoke.
// T provides: const std::shared_ptr<InterpreterCore>& core(), TfLiteTensor* TensorAt(int slot), int InputCount(),
// const TfLiteTensor* InputTensor(int i),
// TfLiteStatus DoAllocate(), DoResize(int input, const std::vector<int>&), DoInvoke(), void DoCancel(),
// and kInvokeCall / kAllocateCall / kResizeCall naming the C calls for messages.
#pragma once
#include <napi.h>
#include <memory>
#include <string>
#include <vector>
#include "errors.h"
#include "invoke_worker.h"
#include "session.h"
#include "tensor.h"

namespace tflite_node {
struct InterpreterCore;
}

namespace tflite_node {

template <class T>
class Runnable : public Napi::ObjectWrap<T> {
 public:
  using Napi::ObjectWrap<T>::ObjectWrap;

 protected:
  using Wrap = Napi::ObjectWrap<T>;

  static std::vector<typename Wrap::PropertyDescriptor> RunnableMethods() {
    return {
        Wrap::InstanceMethod("describe", &Runnable::Describe),
        Wrap::InstanceMethod("view", &Runnable::View),
        Wrap::InstanceMethod("read", &Runnable::Read),
        Wrap::InstanceMethod("write", &Runnable::Write),
        Wrap::InstanceMethod("allocateTensors", &Runnable::Allocate),
        Wrap::InstanceMethod("resizeInput", &Runnable::Resize),
        Wrap::InstanceMethod("invoke", &Runnable::Invoke),
        Wrap::InstanceMethod("invokeAsync", &Runnable::InvokeAsync),
        Wrap::InstanceMethod("cancel", &Runnable::Cancel),
    };
  }

  T& self() { return *static_cast<T*>(this); }

  // The session, after checking the interpreter is alive and idle (lib/ checks first; this is the backstop that
  // keeps native memory safe whatever JS does).
  Session& Usable(Napi::Env env) {
    const auto& core = self().core();
    if (core->interpreter == nullptr) Throw(env, "ERR_TFLITE_DISPOSED", "the interpreter was disposed");
    if (core->session->running()) Throw(env, "ERR_TFLITE_BUSY", "the interpreter is running an async invoke");
    return *core->session;
  }

  TfLiteTensor* Tensor(const Napi::CallbackInfo& info) {
    Usable(info.Env());
    int slot = info[0].As<Napi::Number>().Int32Value();
    TfLiteTensor* tensor = self().TensorAt(slot);
    if (tensor == nullptr) Throw(info.Env(), "ERR_TFLITE_INDEX", "no tensor at index " + std::to_string(slot));
    return tensor;
  }

  // TFLite's kernels read an input's buffer without checking that it exists. A string input (or any dynamic one)
  // has none until it is set, and invoking then crashes the process (dtypes_string.tflite, invoked without set()).
  void CheckInputsSet(Napi::Env env) {
    int count = self().InputCount();
    for (int i = 0; i < count; ++i) {
      const TfLiteTensor* tensor = self().InputTensor(i);
      if (tensor == nullptr || tensor->data.raw != nullptr) continue;
      if (tensor->type != kTfLiteString && tensor->bytes == 0) continue;  // zero elements: nothing to read
      const char* name = TfLiteTensorName(tensor);
      Throw(env, "ERR_TFLITE_INVOKE", std::string("input '") + (name ? name : "") +
                                          "' holds no data: set it before invoking (string inputs are empty until set)");
    }
  }

 private:
  Napi::Value Describe(const Napi::CallbackInfo& info) { return DescribeTensor(info.Env(), Tensor(info)); }
  Napi::Value View(const Napi::CallbackInfo& info) {
    TfLiteTensor* tensor = Tensor(info);
    return ViewTensor(info.Env(), tensor, self().core()->session->views, self().core());
  }
  Napi::Value Read(const Napi::CallbackInfo& info) { return ReadTensor(info.Env(), Tensor(info)); }
  Napi::Value Write(const Napi::CallbackInfo& info) {
    WriteTensor(info.Env(), Tensor(info), info[1]);
    return info.Env().Undefined();
  }

  Napi::Value Allocate(const Napi::CallbackInfo& info) {
    Session& session = Usable(info.Env());
    session.views.DetachAll();  // allocation may move every buffer
    if (CatchingTfLite(session.reporter, [this] { return self().DoAllocate(); }, kTfLiteError) != kTfLiteOk) {
      Throw(info.Env(), "ERR_TFLITE_ALLOCATE", session.reporter.Take(std::string(T::kAllocateCall) + " failed"));
    }
    return info.Env().Undefined();
  }

  // info[0]: input slot, info[1]: Int32Array of dims (validated in lib/).
  Napi::Value Resize(const Napi::CallbackInfo& info) {
    Session& session = Usable(info.Env());
    int input = info[0].As<Napi::Number>().Int32Value();
    Napi::Int32Array dims = info[1].As<Napi::Int32Array>();
    std::vector<int> shape(dims.Data(), dims.Data() + dims.ElementLength());
    session.views.DetachAll();
    if (CatchingTfLite(session.reporter, [&] { return self().DoResize(input, shape); }, kTfLiteError) != kTfLiteOk) {
      Throw(info.Env(), "ERR_TFLITE_SHAPE", session.reporter.Take(std::string(T::kResizeCall) + " failed"));
    }
    return info.Env().Undefined();
  }

  Napi::Value Invoke(const Napi::CallbackInfo& info) {
    Session& session = Usable(info.Env());
    CheckInputsSet(info.Env());
    session.cancelRequested = false;
    TfLiteStatus status = CatchingTfLite(session.reporter, [this] { return self().DoInvoke(); }, kTfLiteError);
    if (status != kTfLiteOk) throw InvokeError(info.Env(), session, status, T::kInvokeCall);
    return info.Env().Undefined();
  }

  Napi::Value InvokeAsync(const Napi::CallbackInfo& info) {
    Session& session = Usable(info.Env());
    CheckInputsSet(info.Env());
    T* target = &self();
    ErrorReporter* reporter = &session.reporter;
    // The job's share of the core keeps the interpreter's memory (and the session); its reference to this object
    // keeps `target`.
    return InvokeJob::Start(this->Value(), self().core(),
                            [target, reporter] {
                              return CatchingTfLite(*reporter, [target] { return target->DoInvoke(); }, kTfLiteError);
                            },
                            T::kInvokeCall);
  }

  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    const auto& core = self().core();
    if (core->interpreter != nullptr && core->session->running()) {
      core->session->cancelRequested = true;
      self().DoCancel();
    }
    return info.Env().Undefined();
  }
};

}  // namespace tflite_node
