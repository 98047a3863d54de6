#include "model_check_graph.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tflite_node::model_check {

namespace {
template <class T>
uint32_t SizeOf(const flatbuffers::Vector<T>* vector) {
  return vector == nullptr ? 0 : vector->size();
}

TensorInfo ReadTensor(const tflite::Tensor& tensor) {
  double firstScale = std::numeric_limits<double>::quiet_NaN();
  int64_t badScale = -1;
  const tflite::QuantizationParameters* quantization = tensor.quantization();
  const flatbuffers::Vector<float>* scales = quantization != nullptr ? quantization->scale() : nullptr;
  for (uint32_t k = 0; k < SizeOf(scales) && badScale < 0; k++) {
    double x = scales->Get(k);
    if (k == 0) firstScale = x;
    if (!(std::isfinite(x) && x >= 0)) badScale = k;
  }
  return {&tensor, static_cast<int>(tensor.type()), Ints(tensor.shape()), firstScale, badScale, tensor.buffer(),
          tensor.is_variable()};
}

std::optional<std::string> NameOf(const tflite::TensorMap& map) {
  if (map.name() == nullptr) return std::nullopt;
  return std::string(map.name()->c_str(), map.name()->size());
}
}  // namespace

ModelGraph ReadModelGraph(const tflite::Model& model) {
  ModelGraph graph;
  // OperatorCode: the larger of deprecated_builtin_code and builtin_code wins, as TFLite reads it.
  if (auto* codes = model.operator_codes()) {
    graph.codes.reserve(codes->size());
    for (const tflite::OperatorCode* code : *codes) {
      graph.codes.push_back(std::max<int32_t>(code->deprecated_builtin_code(), code->builtin_code()));
    }
  }
  // Buffer 0 is the empty sentinel; a buffer with bytes (or, for models over 2 GiB, an offset) holds a constant.
  if (auto* buffers = model.buffers()) {
    graph.constantBuffers.reserve(buffers->size());
    for (uint32_t b = 0; b < buffers->size(); b++) {
      const tflite::Buffer* buffer = buffers->Get(b);
      graph.constantBuffers.push_back(b > 0 && (SizeOf(buffer->data()) > 0 || buffer->offset() > 1));
    }
  }
  const auto* subgraphs = model.subgraphs();
  graph.hasSubgraphs = subgraphs != nullptr;
  uint32_t count = SizeOf(subgraphs);
  graph.subgraphs.resize(count);
  for (uint32_t s = 0; s < count; s++) {
    const tflite::SubGraph& table = *subgraphs->Get(s);
    SubgraphInfo& sg = graph.subgraphs[s];
    sg.index = s;
    if (count > 1) sg.where = " of subgraph " + std::to_string(s);
    if (auto* tensors = table.tensors()) {
      sg.tensors.reserve(tensors->size());
      for (const tflite::Tensor* tensor : *tensors) sg.tensors.push_back(ReadTensor(*tensor));
    }
    sg.inputs = table.inputs();
    sg.outputs = table.outputs();
    if (auto* operators = table.operators()) {
      sg.operators.reserve(operators->size());
      for (const tflite::Operator* op : *operators) {
        uint32_t index = op->opcode_index();
        int32_t code = index < graph.codes.size() ? graph.codes[index] : -1;
        sg.operators.push_back({op, index, code, op->inputs(), op->outputs(), op->intermediates()});
      }
    }
  }
  if (auto* defs = model.signature_defs()) {
    for (const tflite::SignatureDef* def : *defs) {
      SignatureInfo sig;
      sig.subgraph = def->subgraph_index();
      for (auto [maps, names] : {std::pair{def->inputs(), &sig.inputNames}, std::pair{def->outputs(), &sig.outputNames}}) {
        for (uint32_t k = 0; k < SizeOf(maps); k++) names->push_back(NameOf(*maps->Get(k)));
      }
      for (auto* maps : {def->inputs(), def->outputs()}) {
        for (uint32_t k = 0; k < SizeOf(maps); k++) sig.tensors.push_back(maps->Get(k)->tensor_index());
      }
      graph.signatures.push_back(std::move(sig));
    }
  }
  return graph;
}

bool Dynamic(const TensorInfo& tensor) {
  Ints signature = tensor.table->shape_signature();
  for (uint32_t k = 0; k < signature.size(); k++) {
    if (signature[k] < 0) return true;
  }
  return false;
}

std::string OpName(int32_t code) {
  if (code >= tflite::BuiltinOperator_MIN && code <= tflite::BuiltinOperator_MAX) {
    const char* name = tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(code));
    if (name[0] != '\0') return name;
  }
  return "builtin " + std::to_string(code);
}

std::string TypeName(int type) {
  if (type >= tflite::TensorType_MIN && type <= tflite::TensorType_MAX) {
    const char* name = tflite::EnumNameTensorType(static_cast<tflite::TensorType>(type));
    if (name[0] != '\0') return name;
  }
  return "type " + std::to_string(type);
}

}  // namespace tflite_node::model_check
