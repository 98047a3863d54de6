#include "addon.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

#include "delegate.h"
#include "interpreter.h"
#include "model.h"
#include "signature_runner.h"
#include "tflite.h"

namespace tflite_node {

namespace {
bool ProbeExternalBuffers(Napi::Env env) {
  const char* forced = std::getenv("TFLITE_RUNTIME_NO_EXTERNAL_BUFFERS");
  if (forced != nullptr && std::strcmp(forced, "1") == 0) return false;
  static char probe[8];
  napi_value buffer;
  return napi_create_external_arraybuffer(env, probe, sizeof probe, nullptr, nullptr, &buffer) == napi_ok;
}
// Node unloads an addon when the last environment that loaded it goes (a worker_thread ending). A run cancelled
// at that teardown still completes through the loop afterwards, into this library's code: keep it mapped.
void PinLibrary() {
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&PinLibrary), &self) != 0 && self.dli_fname != nullptr) {
    dlopen(self.dli_fname, RTLD_NOW | RTLD_NODELETE | RTLD_NOLOAD);
  }
}
}  // namespace

Addon::Addon(Napi::Env env, Napi::Object exports) {
  PinLibrary();
  externalBuffersAllowed = ProbeExternalBuffers(env);
  // Registered after Node-API's own teardown hook, so it runs before it: the flag drops while handles still live.
  napi_add_env_cleanup_hook(env, [](void* flag) { static_cast<std::atomic<bool>*>(flag)->store(false); }, alive.get());
  DefineAddon(exports, {InstanceMethod("setErrorClass", &Addon::SetErrorClass)});
  exports.Set("Model", Model::Define(env));
  exports.Set("Interpreter", Interpreter::Define(env));
  exports.Set("SignatureRunner", SignatureRunner::Define(env));
  exports.Set("Delegate", Delegate::Define(env));
  exports.Set("listEdgeTpus", Napi::Function::New(env, Delegate::ListEdgeTpus, "listEdgeTpus"));
  exports.Set("tfliteVersion", Napi::String::New(env, TfLiteVersion()));
  exports.Set("externalBuffers", Napi::Boolean::New(env, externalBuffersAllowed));
}

Napi::Value Addon::SetErrorClass(const Napi::CallbackInfo& info) {
  errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace tflite_node

using TfLiteRuntimeAddon = tflite_node::Addon;
NODE_API_ADDON(TfLiteRuntimeAddon)
