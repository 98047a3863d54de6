// Wraps TfLiteModel. From a path TFLite maps the file. From memory TFLite reads the weights in place for as long as
// any interpreter lives, so the bytes must stay put: a caller's ArrayBuffer does not (it can be transferred to a
// worker, a resizable one shrunk, a shared one rewritten from another thread after the verifier read it), so those
// bytes are copied into memory of our own. Only a Buffer nobody else can reach (read from a file by lib/ itself) is
// adopted: a persistent reference holds it.
#pragma once
#include <napi.h>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include "errors.h"
#include "tflite.h"
#include "type_tag.h"

namespace tflite_node {

// Shared by the JS Model object and every interpreter built from it; freed with the last of them, which may be an
// async run completing after its environment was torn down: then the Buffer's reference is left to the teardown.
struct ModelHandle {
  TfLiteModel* model = nullptr;
  napi_env env = nullptr;
  napi_ref bytes = nullptr;  // the adopted Buffer
  std::unique_ptr<uint8_t, void (*)(void*)> copy{nullptr, std::free};  // our own copy of a caller's bytes
  std::shared_ptr<std::atomic<bool>> envAlive;
  ErrorReporter reporter;    // TFLite keeps a pointer to it for the model's lifetime
  ~ModelHandle() {
    if (model != nullptr) TfLiteModelDelete(model);
    if (bytes != nullptr && *envAlive) napi_delete_reference(env, bytes);
  }
};

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Model(const Napi::CallbackInfo& info);
  static Model* Checked(Napi::Env env, Napi::Value value) {
    return UnwrapTagged<Model>(env, value, kModelTag, "the model");
  }

  // Null once disposed.
  const std::shared_ptr<ModelHandle>& handle() const { return handle_; }

 private:
  Napi::Value CheckGraph(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<ModelHandle> handle_ = std::make_shared<ModelHandle>();
};

}  // namespace tflite_node
