#include "invoke_worker.h"

#include <string>

#include "addon.h"
#include "interpreter.h"

namespace tflite_node {

Napi::Promise InvokeJob::Start(Napi::Object owner, std::shared_ptr<InterpreterCore> core,
                               std::function<TfLiteStatus()> invoke, const char* call) {
  Napi::Env env = owner.Env();
  auto* job = new InvokeJob();
  job->env_ = env;
  job->envAlive_ = Addon::Of(env).alive;
  job->core_ = std::move(core);
  job->invoke_ = std::move(invoke);
  job->call_ = call;
  job->request_.data = job;

  napi_value promise;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &job->deferred_, &promise), Napi::Promise());
  napi_create_reference(env, owner, 1, &job->owner_);
  napi_async_init(env, owner, Napi::String::New(env, "tflite-runtime:invoke"), &job->context_);
  uv_loop_t* loop = job->core_->loop;
  job->core_->session->BeginRun();
  job->core_->jobsInFlight++;
  uv_queue_work(loop, &job->request_, &InvokeJob::Execute, &InvokeJob::Complete);
  return Napi::Promise(env, promise);
}

void InvokeJob::Execute(uv_work_t* request) {
  auto* job = static_cast<InvokeJob*>(request->data);
  Session& session = *job->core_->session;
  // An abort that came before the pool picked this up: TFLite resets its cancel flag when Invoke starts, so the
  // request would be lost; honour it here.
  job->status_ = session.cancelRequested ? kTfLiteCancelled : job->invoke_();
  session.EndRun();
}

void InvokeJob::Complete(uv_work_t* request, int) {
  auto* job = static_cast<InvokeJob*>(request->data);
  job->core_->jobsInFlight--;
  // During or after the environment's teardown (a terminated worker_thread) the promise can never be observed.
  // During it (the interpreter's cleanup hook drives the loop here, N-API still stands) the job's reference and
  // async context are still ours to free: left alone, each run in flight at termination leaked them (LeakSanitizer,
  // stress/asan.sh). After it, the environment is gone: free only the job.
  if (*job->envAlive_) {
    if (!job->core_->tearingDown) {
      job->Settle();
    } else {
      napi_async_destroy(job->env_, job->context_);
      napi_delete_reference(job->env_, job->owner_);
    }
  }
  delete job;
}

void InvokeJob::Settle() {
  napi_env env = env_;
  napi_handle_scope handles;
  napi_open_handle_scope(env, &handles);
  napi_value owner;
  napi_get_reference_value(env, owner_, &owner);
  // A callback scope, so promise reactions (the caller's `await`) run right after, as for any async completion.
  napi_callback_scope scope;
  napi_open_callback_scope(env, owner, context_, &scope);
  Session& session = *core_->session;
  try {
    // A cancel that raced with the end of the run still means "the caller no longer wants this result".
    if (status_ == kTfLiteOk && !session.cancelRequested) {
      napi_get_undefined(env, &owner);
      napi_resolve_deferred(env, deferred_, owner);
    } else {
      TfLiteStatus status = status_ == kTfLiteOk ? kTfLiteCancelled : status_;
      napi_reject_deferred(env, deferred_, InvokeError(Napi::Env(env), session, status, call_).Value());
    }
  } catch (const Napi::Error& error) {
    napi_reject_deferred(env, deferred_, error.Value());
  }
  napi_close_callback_scope(env, scope);
  napi_async_destroy(env, context_);
  napi_delete_reference(env, owner_);
  napi_close_handle_scope(env, handles);
}

Napi::Error InvokeError(Napi::Env env, Session& session, TfLiteStatus status, const char* call) {
  if (status == kTfLiteCancelled || session.cancelRequested) {
    session.reporter.Clear();
    return MakeError(env, "ERR_TFLITE_CANCELLED", "the invoke was cancelled");
  }
  return MakeError(env, "ERR_TFLITE_INVOKE", session.reporter.Take(std::string(call) + " failed"));
}

}  // namespace tflite_node
