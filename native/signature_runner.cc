#include "signature_runner.h"

#include "interpreter.h"

namespace tflite_node {

namespace {
std::string Mismatch(const std::string& key, const char* what) {
  return "signature '" + key + "' names fewer " + what + " than its subgraph has: the model is inconsistent";
}
}  // namespace

Napi::Function SignatureRunner::Define(Napi::Env env) {
  std::vector<PropertyDescriptor> methods = RunnableMethods();
  methods.push_back(InstanceMethod("inputNames", &SignatureRunner::InputNames));
  methods.push_back(InstanceMethod("outputNames", &SignatureRunner::OutputNames));
  methods.push_back(InstanceMethod("tensorIndices", &SignatureRunner::TensorIndices));
  return DefineClass(env, "SignatureRunner", methods);
}

// info[0]: Interpreter, info[1]: signature key.
SignatureRunner::SignatureRunner(const Napi::CallbackInfo& info) : Runnable<SignatureRunner>(info) {
  Napi::Env env = info.Env();
  TagObject(env, info.This().As<Napi::Object>(), kSignatureRunnerTag);
  core_ = Interpreter::Checked(env, info[0])->core();
  if (core_->interpreter == nullptr) Throw(env, "ERR_TFLITE_DISPOSED", "the interpreter was disposed");
  std::string key = info[1].As<Napi::String>().Utf8Value();
  runner_ = CatchingTfLite(core_->session->reporter,
                           [&] { return TfLiteInterpreterGetSignatureRunner(core_->interpreter, key.c_str()); },
                           static_cast<TfLiteSignatureRunner*>(nullptr));
  if (runner_ == nullptr) Throw(env, "ERR_TFLITE_NOT_FOUND", "no signature '" + key + "' in the model");
  // TFLite counts a runner's inputs and outputs from its subgraph but names them from the signature, indexing its
  // list of names without a bound: where the two disagree it reads past that list (lib/model-check.ts refuses such
  // models before they get here). A NULL name would make std::string throw past N-API: the process would abort.
  for (size_t i = 0; i < TfLiteSignatureRunnerGetInputCount(runner_); ++i) {
    const char* name = TfLiteSignatureRunnerGetInputName(runner_, static_cast<int32_t>(i));
    if (name == nullptr) Throw(env, "ERR_TFLITE_MODEL_INVALID", Mismatch(key, "inputs"));
    inputs_.emplace_back(name);
  }
  for (size_t i = 0; i < TfLiteSignatureRunnerGetOutputCount(runner_); ++i) {
    const char* name = TfLiteSignatureRunnerGetOutputName(runner_, static_cast<int32_t>(i));
    if (name == nullptr) Throw(env, "ERR_TFLITE_MODEL_INVALID", Mismatch(key, "outputs"));
    outputs_.emplace_back(name);
  }
}

// Deletes only the C API's handle (no N-API call, safe in a finalizer); the runner belongs to the interpreter.
// An async run of this runner holds a reference to this object, so none is in flight here but at environment
// teardown, where the interpreter's own finalizer waits for it.
SignatureRunner::~SignatureRunner() {
  if (runner_ != nullptr) TfLiteSignatureRunnerDelete(runner_);
}

TfLiteTensor* SignatureRunner::TensorAt(int slot) {
  if (slot < 0) return nullptr;
  size_t index = static_cast<size_t>(slot);
  if (index < inputs_.size()) return TfLiteSignatureRunnerGetInputTensor(runner_, inputs_[index].c_str());
  index -= inputs_.size();
  if (index < outputs_.size()) {
    // The C API hands outputs out as const; TFLite itself writes them, and so may the user through a view.
    return const_cast<TfLiteTensor*>(TfLiteSignatureRunnerGetOutputTensor(runner_, outputs_[index].c_str()));
  }
  return nullptr;
}

TfLiteStatus SignatureRunner::DoResize(int input, const std::vector<int>& dims) {
  if (input < 0 || static_cast<size_t>(input) >= inputs_.size()) return kTfLiteError;
  return TfLiteSignatureRunnerResizeInputTensor(runner_, inputs_[input].c_str(), dims.data(),
                                                static_cast<int32_t>(dims.size()));
}

namespace {
Napi::Array ToJs(Napi::Env env, const std::vector<std::string>& names) {
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) out.Set(i, names[i]);
  return out;
}
}  // namespace

Napi::Value SignatureRunner::InputNames(const Napi::CallbackInfo& info) { return ToJs(info.Env(), inputs_); }
Napi::Value SignatureRunner::OutputNames(const Napi::CallbackInfo& info) { return ToJs(info.Env(), outputs_); }

// Each slot's tensor index in the model's primary subgraph (what Python reports as `index`), -1 for tensors of
// signatures that live in another subgraph.
Napi::Value SignatureRunner::TensorIndices(const Napi::CallbackInfo& info) {
  Usable(info.Env());
  size_t slots = inputs_.size() + outputs_.size();
  Napi::Array out = Napi::Array::New(info.Env(), slots);
  for (size_t slot = 0; slot < slots; ++slot) {
    out.Set(slot, core_->inspector.IndexOf(TensorAt(static_cast<int>(slot))));
  }
  return out;
}

}  // namespace tflite_node
