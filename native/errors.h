// One error path: every failure becomes the JS TfLiteError class (registered by lib/binding.ts) with an
// ERR_TFLITE_* code and, where TFLite said something, TFLite's own words.
#pragma once
#include <napi.h>
#include <cstdarg>
#include <string>

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

 private:
  std::string text_;
};

Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void Throw(Napi::Env env, const char* code, const std::string& message);

}  // namespace tflite_node
