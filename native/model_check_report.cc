#include "model_check_report.h"

namespace tflite_node::model_check {

Napi::Object ReportToJs(Napi::Env env, const GraphReport& report) {
  auto text = [&](const std::optional<std::string>& value) -> Napi::Value {
    return value ? Napi::String::New(env, *value) : env.Null();
  };
  Napi::Object out = Napi::Object::New(env);
  out.Set("problem", text(report.problem));
  out.Set("rule", report.rule != nullptr ? Napi::String::New(env, report.rule) : env.Null());
  out.Set("xnnpackHazard", text(report.xnnpackHazard));
  Napi::Array pools = Napi::Array::New(env, report.validPools.size());
  for (uint32_t k = 0; k < report.validPools.size(); k++) {
    const ValidPool& pool = report.validPools[k];
    Napi::Object entry = Napi::Object::New(env);
    Napi::Array window = Napi::Array::New(env, 2);
    window.Set(0u, Napi::Number::New(env, pool.window[0]));
    window.Set(1u, Napi::Number::New(env, pool.window[1]));
    entry.Set("input", Napi::Number::New(env, pool.input));
    entry.Set("window", window);
    entry.Set("op", Napi::Number::New(env, pool.op));
    pools.Set(k, entry);
  }
  out.Set("validPools", pools);
  return out;
}

}  // namespace tflite_node::model_check
