#include "model_check.h"

// TfLiteModel's definition: the FlatBufferModel TFLite built (and verified) from the bytes it runs. For a model
// given by path that is TFLite's own mapping of the file: reading the file a second time could check other bytes
// than those run (a file replaced between the two reads). Only its inline accessors are used (the library exports
// no C++ symbol), compiled from the same patched TF 2.14.1 headers as the library.
#include "tensorflow/lite/c/c_api_internal.h"

#include "model_check_rules.h"

namespace tflite_node {

Napi::Object CheckModelGraph(Napi::Env env, const TfLiteModel* model) {
  return model_check::ReportToJs(env, model_check::CheckModelGraph(*model->impl->GetModel()));
}

}  // namespace tflite_node
