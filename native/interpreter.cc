#include "interpreter.h"

#include "addon.h"
#include "custom_ops.h"


namespace tflite_node {

namespace {
// TfLiteInterpreterCreate yields NULL both for broken models and for models whose ops this build cannot resolve;
// the latter are an allocation-stage failure (ERR_TFLITE_ALLOCATE), the op named in TFLite's message.
bool MentionsUnresolvedOp(const std::string& text) {
  for (const char* needle : {"unresolved", "custom op", "Select TensorFlow op", "Flex", "Didn't find op"}) {
    if (text.find(needle) != std::string::npos) return true;
  }
  return false;
}
}  // namespace

Napi::Function Interpreter::Define(Napi::Env env) {
  std::vector<PropertyDescriptor> methods = RunnableMethods();
  methods.push_back(InstanceMethod("inputIndices", &Interpreter::InputIndices));
  methods.push_back(InstanceMethod("outputIndices", &Interpreter::OutputIndices));
  methods.push_back(InstanceMethod("tensorCount", &Interpreter::TensorCount));
  methods.push_back(InstanceMethod("modelTensorCount", &Interpreter::ModelTensorCount));
  methods.push_back(InstanceMethod("modelPlan", &Interpreter::ModelPlan));
  methods.push_back(InstanceMethod("signatureKeys", &Interpreter::SignatureKeys));
  methods.push_back(InstanceMethod("plan", &Interpreter::Plan));
  methods.push_back(InstanceMethod("delegates", &Interpreter::Delegates));
  methods.push_back(InstanceMethod("dispose", &Interpreter::Dispose));
  return DefineClass(env, "Interpreter", methods);
}

// info[0]: Model; info[1]: { threads: number, xnnpack: { threads, flags } | null, delegates: Delegate[],
// delegateFallback: boolean, logSeverity: number, customOps: { library, registerer }[] }, validated by
// lib/interpreter.ts.
Interpreter::Interpreter(const Napi::CallbackInfo& info) : Runnable<Interpreter>(info) {
  Napi::Env env = info.Env();
  InterpreterCore& core = *core_;
  Session& session = *core.session;
  TagObject(env, info.This().As<Napi::Object>(), kInterpreterTag);
  core.model = Model::Checked(env, info[0])->handle();
  Napi::Object options = info[1].As<Napi::Object>();
  if (!core.model) Throw(env, "ERR_TFLITE_DISPOSED", "the model was disposed");

  core.options = TfLiteInterpreterOptionsCreate();
  TfLiteInterpreterOptionsSetNumThreads(core.options, options.Get("threads").As<Napi::Number>().Int32Value());
  TfLiteInterpreterOptionsSetErrorReporter(core.options, ErrorReporter::Report, &session.reporter);
  TfLiteInterpreterOptionsEnableCancellation(core.options, true);
  // TFLite's own log (stderr) is process-wide; each interpreter sets the level it was asked for before TFLite
  // creates anything that logs (the XNNPACK delegate announces itself at INFO).
  TfLiteSetMinimumLogSeverity(options.Get("logSeverity").As<Napi::Number>().Int32Value());
  Napi::Array customOps = options.Get("customOps").As<Napi::Array>();
  for (uint32_t i = 0; i < customOps.Length(); ++i) {
    Napi::Object entry = customOps.Get(i).As<Napi::Object>();
    RegisterCustomOps(env, core.options, entry.Get("library").As<Napi::String>().Utf8Value(),
                      entry.Get("registerer").As<Napi::String>().Utf8Value());
  }
  core.interpreter = CatchingTfLite(session.reporter, [&] { return TfLiteInterpreterCreate(core.model->model, core.options); },
                                    static_cast<TfLiteInterpreter*>(nullptr));
  if (core.interpreter == nullptr) {
    std::string text = session.reporter.Take("TfLiteInterpreterCreate failed: the model yields no interpreter");
    Throw(env, MentionsUnresolvedOp(text) ? "ERR_TFLITE_ALLOCATE" : "ERR_TFLITE_MODEL_INVALID", text);
  }
  core.inspector.CaptureFirst(core.interpreter);
  ApplyDelegates(env, options.Get("delegates").As<Napi::Array>(), options.Get("xnnpack"),
                 options.Get("delegateFallback").ToBoolean());
  core.inspector.CaptureLast(core.interpreter);
  session.reporter.Clear();
  core.WatchTeardown(env);
}

void InterpreterCore::WatchTeardown(napi_env environment) {
  env = environment;
  envAlive = Addon::Of(env).alive;
  napi_get_uv_event_loop(env, &loop);
  napi_add_env_cleanup_hook(env, &InterpreterCore::FinishRunsForTeardown, this);
}

void InterpreterCore::FinishRunsForTeardown(void* data) {
  auto* core = static_cast<InterpreterCore*>(data);
  core->tearingDown = true;
  if (core->interpreter != nullptr) {
    core->session->CancelAndWait([core] { TfLiteInterpreterCancel(core->interpreter); });
  }
  while (core->jobsInFlight > 0) uv_run(core->loop, UV_RUN_ONCE);
}

// The last owner may go after the environment did (a view or a job outliving a terminated worker): its hooks
// have run and are gone by then.
InterpreterCore::~InterpreterCore() {
  if (env != nullptr && *envAlive) napi_remove_env_cleanup_hook(env, &InterpreterCore::FinishRunsForTeardown, this);
  Free();
}

void InterpreterCore::Free() {
  if (interpreter != nullptr) {
    session->CancelAndWait([this] { TfLiteInterpreterCancel(interpreter); });
    TfLiteInterpreterDelete(interpreter);
    interpreter = nullptr;
  }
  if (options != nullptr) TfLiteInterpreterOptionsDelete(options);
  options = nullptr;
  if (xnnpack != nullptr) TfLiteXNNPackDelegateDelete(xnnpack);
  xnnpack = nullptr;
  delegates.clear();
  model.reset();
}

TfLiteStatus Interpreter::Apply(TfLiteDelegate* delegate) {
  return CatchingTfLite(core_->session->reporter,
                        [&] { return TfLiteInterpreterModifyGraphWithDelegate(core_->interpreter, delegate); },
                        kTfLiteError);
}

// External delegates first, in the user's order (an Edge TPU claims its nodes before anything else, as in Python),
// then XNNPACK for what remains. XNNPACK is applied after creation, not through the options: through the options
// TfLiteInterpreterCreate returns NULL, without a message, for models XNNPACK refuses (dynamic tensors, strings);
// here a refusal only means the model runs on the built-in kernels.
void Interpreter::ApplyDelegates(Napi::Env env, Napi::Array delegates, Napi::Value xnnpack, bool fallback) {
  std::vector<TfLiteDelegate*> applied;
  for (uint32_t i = 0; i < delegates.Length(); ++i) {
    std::string what = "delegates[" + std::to_string(i) + "]";
    std::shared_ptr<DelegateHandle> delegate = Delegate::Checked(env, delegates.Get(i), what)->handle();
    if (!delegate) Throw(env, "ERR_TFLITE_DISPOSED", what + " was disposed");
    core_->delegates.push_back(delegate);
    AppliedDelegate entry{what, delegate->delegate, true, ""};
    TfLiteStatus status = Apply(delegate->delegate);
    if (status == kTfLiteOk) {
      applied.push_back(delegate->delegate);
    } else {
      entry.applied = false;
      // TFLite reports these two through its log, not the error reporter: say what they mean.
      std::string fallbackText = "TfLiteInterpreterModifyGraphWithDelegate failed for " + delegate->path;
      if (status == kTfLiteApplicationError) {
        fallbackText = "the model has dynamic-sized tensors, and the delegate " + delegate->path +
                       " supports static shapes only";
        NoteDynamicTensor(entry);
      }
      entry.error = core_->session->reporter.Take(fallbackText);
      // A delegate that only supports static shapes prepares every op first; a custom op no kernel resolves
      // fails there. That is the model's problem (the op), not the delegate's: the allocation-stage error, naming
      // the op. (A delegate that claims the op, e.g. libedgetpu, must come first in the list.)
      if (status == kTfLiteUnresolvedOps && !fallback) {
        Throw(env, "ERR_TFLITE_ALLOCATE", entry.error + "\n(while applying " + entry.label + ", " + delegate->path +
                                              "; a delegate that resolves the op must come before it)");
      }
      if (!fallback) Throw(env, "ERR_TFLITE_DELEGATE", entry.error + " (delegate " + delegate->path + ")");
      // A delegate error undoes every delegate applied before it: put those back.
      if (status == kTfLiteDelegateError) {
        for (TfLiteDelegate* previous : applied) Apply(previous);
      }
    }
    report_.push_back(std::move(entry));
  }

  if (!xnnpack.IsObject()) return;
  Napi::Object settings = xnnpack.As<Napi::Object>();
  TfLiteXNNPackDelegateOptions xnnOptions = TfLiteXNNPackDelegateOptionsDefault();
  xnnOptions.num_threads = settings.Get("threads").As<Napi::Number>().Int32Value();
  xnnOptions.flags |= settings.Get("flags").As<Napi::Number>().Uint32Value();
  TfLiteDelegate*& xnn = core_->xnnpack;
  xnn = TfLiteXNNPackDelegateCreate(&xnnOptions);
  AppliedDelegate entry{"xnnpack", xnn, true, ""};
  TfLiteStatus status = xnn ? Apply(xnn) : kTfLiteError;
  if (status != kTfLiteOk) {
    entry.applied = false;
    if (status == kTfLiteApplicationError) NoteDynamicTensor(entry);
    entry.error = core_->session->reporter.Take(
        status == kTfLiteApplicationError ? "the model has dynamic-sized tensors, and XNNPACK supports static shapes only"
                                          : "XNNPACK was not applied");
    if (status == kTfLiteDelegateError) {
      for (TfLiteDelegate* previous : applied) Apply(previous);
    }
    if (xnn) TfLiteXNNPackDelegateDelete(xnn);
    xnn = nullptr;
  }
  report_.push_back(std::move(entry));
}

void Interpreter::NoteDynamicTensor(AppliedDelegate& entry) const {
  DynamicTensor found = core_->inspector.FirstDynamicOutput();
  if (found.tensor < 0) return;
  entry.dynamicTensor = found.tensor;
  entry.dynamicNode = found.producer->nodeIndex;
  entry.dynamicOp = found.producer->builtinCode;
  entry.dynamicCustom = found.producer->customName;
}

namespace {
// [item(0), ..., item(count - 1)] as a JS array.
template <typename Item>
Napi::Array ListOf(Napi::Env env, int32_t count, Item item) {
  Napi::Array out = Napi::Array::New(env, count);
  for (int32_t i = 0; i < count; ++i) out.Set(i, item(i));
  return out;
}
}  // namespace

Napi::Value Interpreter::InputIndices(const Napi::CallbackInfo& info) {
  Usable(info.Env());
  TfLiteInterpreter* it = core_->interpreter;
  return ListOf(info.Env(), TfLiteInterpreterGetInputTensorCount(it),
                [it](int32_t i) { return TfLiteInterpreterGetInputTensorIndex(it, i); });
}

Napi::Value Interpreter::OutputIndices(const Napi::CallbackInfo& info) {
  Usable(info.Env());
  TfLiteInterpreter* it = core_->interpreter;
  return ListOf(info.Env(), TfLiteInterpreterGetOutputTensorCount(it),
                [it](int32_t i) { return TfLiteInterpreterGetOutputTensorIndex(it, i); });
}

Napi::Value Interpreter::SignatureKeys(const Napi::CallbackInfo& info) {
  Usable(info.Env());
  TfLiteInterpreter* it = core_->interpreter;
  return ListOf(info.Env(), TfLiteInterpreterGetSignatureCount(it),
                [it](int32_t i) { return TfLiteInterpreterGetSignatureKey(it, i); });
}

Napi::Value Interpreter::TensorCount(const Napi::CallbackInfo& info) {
  Usable(info.Env());
  return Napi::Number::New(info.Env(), core_->inspector.TensorCount());
}

Napi::Value Interpreter::ModelTensorCount(const Napi::CallbackInfo& info) {
  Usable(info.Env());
  return Napi::Number::New(info.Env(), core_->inspector.ModelTensorCount());
}

Napi::Value Interpreter::Plan(const Napi::CallbackInfo& info) { return PlanToJs(info, core_->inspector.plan()); }
Napi::Value Interpreter::ModelPlan(const Napi::CallbackInfo& info) {
  return PlanToJs(info, core_->inspector.modelPlan());
}

// An execution plan as [{ op, custom, delegate, nodes }].
Napi::Value Interpreter::PlanToJs(const Napi::CallbackInfo& info, const std::vector<PlannedNode>& plan) {
  Napi::Env env = info.Env();
  Usable(env);
  Napi::Array out = Napi::Array::New(env, plan.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    Napi::Object node = Napi::Object::New(env);
    node.Set("op", plan[i].builtinCode);
    node.Set("custom", plan[i].customName);
    node.Set("delegate", env.Null());
    for (const auto& entry : report_) {
      if (plan[i].delegate != nullptr && entry.delegate == plan[i].delegate) node.Set("delegate", entry.label);
    }
    node.Set("nodes", plan[i].replacedNodes);
    out.Set(i, node);
  }
  return out;
}

// [{ label, applied, error }] for every delegate asked for, in order.
Napi::Value Interpreter::Delegates(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, report_.size());
  for (size_t i = 0; i < report_.size(); ++i) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("label", report_[i].label);
    entry.Set("applied", report_[i].applied);
    entry.Set("error", report_[i].error);
    if (report_[i].dynamicTensor >= 0) {
      Napi::Object dynamic = Napi::Object::New(env);
      dynamic.Set("tensor", report_[i].dynamicTensor);
      dynamic.Set("node", report_[i].dynamicNode);
      dynamic.Set("op", report_[i].dynamicOp);
      dynamic.Set("custom", report_[i].dynamicCustom);
      entry.Set("dynamicTensor", dynamic);
    }
    out.Set(i, entry);
  }
  return out;
}

Napi::Value Interpreter::Dispose(const Napi::CallbackInfo& info) {
  core_->session->views.DetachAll();
  core_->Free();
  return info.Env().Undefined();
}

}  // namespace tflite_node
