// Runs one invoke on the libuv thread pool. Execute makes no N-API call; the persistent reference pins the JS
// interpreter (and through it the model bytes and delegates) until the promise settles.
#pragma once
#include <napi.h>
#include <functional>
#include <memory>
#include "session.h"
#include "tflite.h"

namespace tflite_node {

struct InterpreterCore;

class InvokeWorker : public Napi::AsyncWorker {
 public:
  InvokeWorker(Napi::Object owner, std::shared_ptr<InterpreterCore> core, std::function<TfLiteStatus()> invoke,
               const char* call);
  Napi::Promise Queue();

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  Napi::ObjectReference owner_;
  std::shared_ptr<InterpreterCore> core_;
  Session* session_;
  std::function<TfLiteStatus()> invoke_;
  const char* call_;
  Napi::Promise::Deferred deferred_;
  TfLiteStatus status_ = kTfLiteOk;
};

// The error for a failed invoke: ERR_TFLITE_CANCELLED when the run was cancelled, else ERR_TFLITE_INVOKE with
// what TFLite reported.
Napi::Error InvokeError(Napi::Env env, Session& session, TfLiteStatus status, const char* call);

}  // namespace tflite_node
