// The graph checks TFLite 2.14 leaves out (model_check_rules.cc), run on the model TFLite verified and will run.
#pragma once
#include <napi.h>

#include "tflite.h"

namespace tflite_node {

// lib/model-check.ts's GraphReport for the model: { problem, rule, xnnpackHazard, validPools }.
Napi::Object CheckModelGraph(Napi::Env env, const TfLiteModel* model);

}  // namespace tflite_node
