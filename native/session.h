// What an interpreter shares with its signature runners and with async runs in flight: the error reporter, the
// registry of views over its memory, and whether a run is in flight. Held by shared_ptr so an async run that
// completes after the interpreter was freed (e.g. a worker_thread torn down mid-run) still has it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include "errors.h"
#include "tensor.h"
#include "tflite.h"

namespace tflite_node {

struct Session {
  ErrorReporter reporter;
  ViewRegistry views;
  std::atomic<bool> cancelRequested{false};

  bool running() {
    std::lock_guard<std::mutex> lock(mutex_);
    return running_;
  }
  void BeginRun() {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = true;
    cancelRequested = false;
  }
  void EndRun() {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = false;
    idle_.notify_all();
  }
  // Before freeing the interpreter: stop a run in flight (through TFLite's cancellation) and wait for it to end.
  void CancelAndWait(const std::function<void()>& cancel) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!running_) return;
    cancelRequested = true;
    cancel();
    idle_.wait(lock, [this] { return !running_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  bool running_ = false;
};

// The error for a failed invoke: ERR_TFLITE_CANCELLED when the run was cancelled, else ERR_TFLITE_INVOKE with
// what TFLite reported.
Napi::Error InvokeError(Napi::Env env, Session& session, TfLiteStatus status, const char* call);

}  // namespace tflite_node
