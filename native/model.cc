#include "model.h"

#include <cstring>
#include <string>

#include "addon.h"
#include "model_check.h"

namespace tflite_node {

Napi::Function Model::Define(Napi::Env env) {
  return DefineClass(env, "Model", {InstanceMethod("checkGraph", &Model::CheckGraph),
                                    InstanceMethod("dispose", &Model::Dispose)});
}

// info[0]: a Buffer (already checked to be non-empty) or a path (already checked to be a readable file);
// info[1]: true to adopt the Buffer (lib/ read it itself and hands it over) rather than copy it.
Model::Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
  Napi::Env env = info.Env();
  TagObject(env, info.This().As<Napi::Object>(), kModelTag);
  ModelHandle& h = *handle_;
  const char* call;
  if (info[0].IsBuffer()) {
    auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
    const uint8_t* bytes = buffer.Data();
    size_t length = buffer.Length();
    if (info[1].ToBoolean()) {
      h.env = env;
      h.envAlive = Addon::Of(env).alive;
      napi_create_reference(env, buffer, 1, &h.bytes);
    } else {
      // 64-byte aligned: TFLite reads 64-bit weights in place, XNNPACK packs from them with vector loads.
      size_t rounded = (length + 63) / 64 * 64;
      h.copy.reset(static_cast<uint8_t*>(std::aligned_alloc(64, rounded)));
      if (!h.copy) {
        handle_.reset();
        Throw(env, "ERR_TFLITE_ALLOCATE", "out of memory: cannot copy a model of " + std::to_string(length) + " bytes");
      }
      std::memcpy(h.copy.get(), bytes, length);
      bytes = h.copy.get();
    }
    call = "TfLiteModelCreate";
    h.model = CatchingTfLite(h.reporter, [&] {
      return TfLiteModelCreateWithErrorReporter(bytes, length, ErrorReporter::Report, &h.reporter);
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
    Throw(env, "ERR_TFLITE_MODEL_INVALID", text);
  }
}

// The graph checks (model_check_rules.cc) on the bytes TFLite verified: lib/model-source.ts calls it once, right
// after the constructor, and refuses the model on the problem it reports.
Napi::Value Model::CheckGraph(const Napi::CallbackInfo& info) {
  if (!handle_) Throw(info.Env(), "ERR_TFLITE_DISPOSED", "the model was disposed");
  return CheckModelGraph(info.Env(), handle_->model);
}

// Interpreters built from this model keep their share; the bytes go when the last one does.
Napi::Value Model::Dispose(const Napi::CallbackInfo& info) {
  handle_.reset();
  return info.Env().Undefined();
}

}  // namespace tflite_node
