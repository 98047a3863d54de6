#include "errors.h"

#include <cstdio>

#include "addon.h"

namespace tflite_node {

void ErrorReporter::Report(void* self, const char* format, va_list args) {
  char line[1024];
  vsnprintf(line, sizeof line, format, args);
  auto* reporter = static_cast<ErrorReporter*>(self);
  if (!reporter->text_.empty()) reporter->text_ += "\n";
  reporter->text_ += line;
}

std::string ErrorReporter::Take(const std::string& fallback) {
  std::string text = text_.empty() ? fallback : text_;
  text_.clear();
  return text;
}

Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message) {
  Napi::FunctionReference& ctor = Addon::Of(env).errorClass;
  if (ctor.IsEmpty()) {  // only before lib/binding.ts registered the class
    Napi::Error error = Napi::Error::New(env, message);
    error.Set("code", code);
    return error;
  }
  Napi::Object error = ctor.New({Napi::String::New(env, message), Napi::String::New(env, code)});
  return Napi::Error(env, error);
}

void Throw(Napi::Env env, const char* code, const std::string& message) { throw MakeError(env, code, message); }

}  // namespace tflite_node
