// The graph checks TFLite 2.14 leaves out, run after its flatbuffer verifier accepted the model: named rules
// (model_check_rules.cc), each preventing a crash of TFLite or XNNPACK on a hostile model. The first problem found
// is the verdict.
#pragma once
#include "model_check_report.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace tflite_node::model_check {

// The model must have passed TFLite's verifier (TfLiteModelCreate*): its accessors trust the bytes.
GraphReport CheckModelGraph(const tflite::Model& model);

}  // namespace tflite_node::model_check
