// What the model check found (lib/model-check.ts GraphReport is its JS form): the problem that makes the model
// unusable and the rule that found it, why XNNPACK must not be applied, and the primary subgraph's VALID pools.
#pragma once
#include <napi.h>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tflite_node::model_check {

// A pool with VALID padding: XNNPACK (2024-11) sizes its output as at least 1 where TFLite computes 0 (input
// smaller than the window) and writes past its buffers; lib/interpreter.ts checks the shapes TFLite computed before
// it keeps XNNPACK.
struct ValidPool {
  int32_t input;
  int32_t window[2];  // height, width
  uint32_t op;
};

struct GraphReport {
  std::optional<std::string> problem;
  const char* rule = nullptr;
  std::optional<std::string> xnnpackHazard;
  std::vector<ValidPool> validPools;
};

// { problem, rule, xnnpackHazard, validPools: [{ input, window: [h, w], op }] }, null where absent.
Napi::Object ReportToJs(Napi::Env env, const GraphReport& report);

}  // namespace tflite_node::model_check
