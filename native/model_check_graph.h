// The model's structure as the rules (model_check_rules.cc) see it, read once with the accessors TFLite generated
// from its schema (tensorflow/lite/schema/schema_generated.h) over the bytes the interpreter runs. Those accessors
// trust their input: they are used only after TFLite's flatbuffer verifier accepted the bytes (TfLiteModelCreate*),
// which proves every offset, vector and string in bounds. Never the weights: a buffer is only asked whether it holds
// bytes. Options tables are read by the rules that need them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tensorflow/lite/schema/schema_generated.h"

namespace tflite_node::model_check {

// An int vector of the model: empty when absent.
class Ints {
 public:
  Ints(const flatbuffers::Vector<int32_t>* vector = nullptr) : vector_(vector) {}  // NOLINT: implicit on purpose
  uint32_t size() const { return vector_ == nullptr ? 0 : vector_->size(); }
  int32_t operator[](uint32_t k) const { return vector_->Get(k); }

 private:
  const flatbuffers::Vector<int32_t>* vector_;
};

struct TensorInfo {
  const tflite::Tensor* table;
  int type;  // the schema's TensorType as stored
  Ints shape;
  double firstScale;  // NaN when there is none
  int64_t badScale;   // index of a scale that is NaN, infinite or negative, or -1
  uint32_t buffer;
  bool isVariable;
};

struct OperatorInfo {
  const tflite::Operator* table;
  uint32_t opcodeIndex;  // as stored (may be out of range)
  int32_t code;          // the builtin code; -1 when opcodeIndex is out of range (operatorTensors refuses it)
  Ints inputs, outputs, intermediates;
};

struct SubgraphInfo {
  uint32_t index;
  std::string where;  // " of subgraph N" in a model with several, "" otherwise: for messages
  std::vector<TensorInfo> tensors;
  Ints inputs, outputs;
  std::vector<OperatorInfo> operators;
};

struct SignatureInfo {
  uint32_t subgraph;
  // The names' bytes (nullopt where absent): TFLite keys a signature's tensors by them.
  std::vector<std::optional<std::string>> inputNames, outputNames;
  std::vector<uint32_t> tensors;  // what its inputs, then its outputs, name
};

struct ModelGraph {
  std::vector<int32_t> codes;  // per operator code, the builtin code as TFLite reads it
  bool hasSubgraphs;           // the verifier lets Model.subgraphs be absent
  std::vector<SubgraphInfo> subgraphs;
  std::vector<bool> constantBuffers;  // per buffer: it holds a constant
  std::vector<SignatureInfo> signatures;
};

ModelGraph ReadModelGraph(const tflite::Model& model);

// The tensor's shape_signature has a dynamic (negative) dimension.
bool Dynamic(const TensorInfo& tensor);
// The op's name in the schema, or "builtin N".
std::string OpName(int32_t code);
// The tensor type's name in the schema, or "type N".
std::string TypeName(int type);

}  // namespace tflite_node::model_check
