// Addon entry: per-environment state (Napi::Addon instance data, never statics, so every worker_thread gets its
// own) and the registration of the wrapped classes.
#pragma once
#include <napi.h>
#include <atomic>
#include <memory>

namespace tflite_node {

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);
  static Addon& Of(Napi::Env env) { return *env.GetInstanceData<Addon>(); }

  Napi::FunctionReference errorClass;  // lib/errors.ts TfLiteError, set by lib/binding.ts
  // False where the runtime forbids external ArrayBuffers (Electron's V8 sandbox) or
  // TFLITE_RUNTIME_NO_EXTERNAL_BUFFERS=1 asks to act as if it did: tensor views are then copies.
  bool externalBuffersAllowed = true;
  // False once this environment is being torn down: work finishing later (an async invoke, a model's bytes
  // released by the last owner) must then make no N-API call.
  std::shared_ptr<std::atomic<bool>> alive = std::make_shared<std::atomic<bool>>(true);

 private:
  Napi::Value SetErrorClass(const Napi::CallbackInfo& info);
};

}  // namespace tflite_node
