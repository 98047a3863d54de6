#include "invoke_worker.h"

#include <string>

#include "interpreter.h"

namespace tflite_node {

InvokeWorker::InvokeWorker(Napi::Object owner, std::shared_ptr<InterpreterCore> core,
                           std::function<TfLiteStatus()> invoke, const char* call)
    : Napi::AsyncWorker(owner.Env(), "tflite-runtime:invoke"),
      owner_(Napi::Persistent(owner)),
      core_(std::move(core)),
      session_(core_->session.get()),
      invoke_(std::move(invoke)),
      call_(call),
      deferred_(Napi::Promise::Deferred::New(owner.Env())) {}

Napi::Promise InvokeWorker::Queue() {
  session_->BeginRun();
  Napi::Promise promise = deferred_.Promise();
  AsyncWorker::Queue();
  return promise;
}

void InvokeWorker::Execute() {
  // An abort that came before the pool picked this up: TFLite resets its cancel flag when Invoke starts, so the
  // request would be lost; honour it here.
  status_ = session_->cancelRequested ? kTfLiteCancelled : invoke_();
  session_->EndRun();
}

void InvokeWorker::OnOK() {
  Napi::Env env = Env();
  // A cancel that raced with the end of the run still means "the caller no longer wants this result".
  if (status_ == kTfLiteOk && !session_->cancelRequested) {
    deferred_.Resolve(env.Undefined());
  } else {
    deferred_.Reject(InvokeError(env, *session_, status_ == kTfLiteOk ? kTfLiteCancelled : status_, call_).Value());
  }
}

void InvokeWorker::OnError(const Napi::Error& error) { deferred_.Reject(error.Value()); }

Napi::Error InvokeError(Napi::Env env, Session& session, TfLiteStatus status, const char* call) {
  if (status == kTfLiteCancelled || session.cancelRequested) {
    session.reporter.Clear();
    return MakeError(env, "ERR_TFLITE_CANCELLED", "the invoke was cancelled");
  }
  return MakeError(env, "ERR_TFLITE_INVOKE", session.reporter.Take(std::string(call) + " failed"));
}

}  // namespace tflite_node
