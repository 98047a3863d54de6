#include "model.h"

#include "addon.h"

namespace tflite_node {

Napi::Function Model::Define(Napi::Env env) {
  return DefineClass(env, "Model", {InstanceMethod("dispose", &Model::Dispose)});
}

// info[0]: a Buffer (already checked to be non-empty) or a path (already checked to be a readable file).
Model::Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
  ModelHandle& h = *handle_;
  const char* call;
  if (info[0].IsBuffer()) {
    auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
    h.env = info.Env();
    h.envAlive = Addon::Of(info.Env()).alive;
    napi_create_reference(h.env, buffer, 1, &h.bytes);
    call = "TfLiteModelCreate";
    h.model = CatchingTfLite(h.reporter, [&] {
      return TfLiteModelCreateWithErrorReporter(buffer.Data(), buffer.Length(), ErrorReporter::Report, &h.reporter);
    }, static_cast<TfLiteModel*>(nullptr));
  } else {
    call = "TfLiteModelCreateFromFile";
    std::string path = info[0].As<Napi::String>().Utf8Value();
    h.model = CatchingTfLite(h.reporter, [&] {
      return TfLiteModelCreateFromFileWithErrorReporter(path.c_str(), ErrorReporter::Report, &h.reporter);
    }, static_cast<TfLiteModel*>(nullptr));
  }
  if (h.model == nullptr) {
    std::string text = h.reporter.Take(std::string(call) + " failed: the bytes are not a valid TFLite model");
    handle_.reset();
    Throw(info.Env(), "ERR_TFLITE_MODEL_INVALID", text);
  }
}

// Interpreters built from this model keep their share; the bytes go when the last one does.
Napi::Value Model::Dispose(const Napi::CallbackInfo& info) {
  handle_.reset();
  return info.Env().Undefined();
}

}  // namespace tflite_node
