// Runs one invoke on the libuv thread pool (uv_queue_work on the environment's loop) and settles a promise.
//
// Not Napi::AsyncWorker: Node counts its work as a pending request and, when a worker_thread is terminated, waits
// for every pending request before running any cleanup hook, so a long model would hold the teardown for as long
// as it runs. Queued directly, the run is invisible to that wait; Interpreter's cleanup hook cancels it instead
// and drives the loop until the completion is consumed, which then touches no N-API at all.
#pragma once
#include <napi.h>
#include <uv.h>
#include <atomic>
#include <functional>
#include <memory>
#include "tflite.h"

namespace tflite_node {

struct InterpreterCore;

class InvokeJob {
 public:
  // Pins `owner` (the JS interpreter or runner) and `core` until the promise settles.
  static Napi::Promise Start(Napi::Object owner, std::shared_ptr<InterpreterCore> core,
                             std::function<TfLiteStatus()> invoke, const char* call);

 private:
  InvokeJob() = default;
  static void Execute(uv_work_t* request);
  static void Complete(uv_work_t* request, int uvStatus);
  void Settle();

  uv_work_t request_;
  napi_env env_ = nullptr;
  napi_ref owner_ = nullptr;
  napi_deferred deferred_ = nullptr;
  napi_async_context context_ = nullptr;
  std::shared_ptr<std::atomic<bool>> envAlive_;
  std::shared_ptr<InterpreterCore> core_;
  std::function<TfLiteStatus()> invoke_;
  const char* call_ = nullptr;
  TfLiteStatus status_ = kTfLiteOk;
};

}  // namespace tflite_node
