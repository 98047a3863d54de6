// One error path: every failure becomes the JS TfLiteError class (registered by lib/binding.ts) with an
// ERR_TFLITE_* code and, where TFLite said something, TFLite's own words.
#pragma once
#include <napi.h>
#include <cstdarg>
#include <exception>
#include <new>
#include <string>
#include "tflite.h"

namespace tflite_node {

// Collects what TFLite reports through an error-reporter callback. One per model / interpreter / delegate
// load; TFLite may call it from a libuv worker thread during an async invoke, never concurrently with a reader
// (the busy guard guarantees that).
class ErrorReporter {
 public:
  static void Report(void* self, const char* format, va_list args);
  // The collected text (lines joined), or `fallback` when TFLite reported nothing. Clears the buffer.
  std::string Take(const std::string& fallback);
  void Clear() { text_.clear(); }
  void Add(const std::string& line) {
    if (!text_.empty()) text_ += "\n";
    text_ += line;
  }

 private:
  std::string text_;
};

// TFLite is built with C++ exceptions, and its allocations use operator new: a model that asks for more memory than
// the process can have (a huge arena, a huge temporary) throws std::bad_alloc straight through the C API. Uncaught,
// that terminates the process. Every C call that may allocate goes through here: the exception becomes an error
// status, its reason in the reporter. (Usable from a libuv worker thread: no N-API.)
template <class Call>
auto CatchingTfLite(ErrorReporter& reporter, Call&& call, decltype(call()) failed) -> decltype(call()) {
  try {
    return call();
  } catch (const std::bad_alloc&) {
    reporter.Add("out of memory: TFLite could not allocate what the model asks for");
  } catch (const std::exception& error) {
    reporter.Add(std::string("TFLite threw an exception: ") + error.what());
  } catch (...) {
    reporter.Add("TFLite threw an unknown exception");
  }
  return failed;
}

Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void Throw(Napi::Env env, const char* code, const std::string& message);

}  // namespace tflite_node
