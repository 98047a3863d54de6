// Wraps TfLiteModel. From a path TFLite maps the file; from a Buffer the bytes are not copied: a persistent
// reference holds the Buffer for as long as any interpreter built from it lives (TFLite reads weights in place).
#pragma once
#include <napi.h>
#include <atomic>
#include <memory>
#include "errors.h"
#include "tflite.h"

namespace tflite_node {

// Shared by the JS Model object and every interpreter built from it; freed with the last of them, which may be an
// async run completing after its environment was torn down: then the Buffer's reference is left to the teardown.
struct ModelHandle {
  TfLiteModel* model = nullptr;
  napi_env env = nullptr;
  napi_ref bytes = nullptr;  // the Buffer, when loaded from memory
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
  static Model* Unwrap(Napi::Value value) { return Napi::ObjectWrap<Model>::Unwrap(value.As<Napi::Object>()); }

  // Null once disposed.
  const std::shared_ptr<ModelHandle>& handle() const { return handle_; }

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<ModelHandle> handle_ = std::make_shared<ModelHandle>();
};

}  // namespace tflite_node
