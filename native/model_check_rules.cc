// The graph rules, one section each: what it refuses, the crash it prevents (found by stress/fuzz-models.ts unless
// said otherwise) and the reproducer that proves it (a stress/lib/hostile.ts model, run by test/hostile.test.ts and
// test/model-check-rules.test.ts, which asserts that rule refuses it). Every rule is also run on the compatibility
// corpus (test/corpus.test.ts) and the fixtures and stress/seeds (test/bad-input.test.ts, "the graph checks refuse
// no real model"): none may refuse a model TFLite runs correctly.
//
// A rule returns the problem it found, or nothing. Subgraph rules run per subgraph in the order listed; model rules
// after them. The first problem found is the verdict. Messages are the ones the JavaScript check gave (the tests and
// users match them), numbers and names printed as JavaScript printed them (model_check_text.h).
#include "model_check_rules.h"

#include <cmath>
#include <functional>
#include <set>
#include <unordered_map>

#include "model_check_graph.h"
#include "model_check_text.h"

namespace tflite_node::model_check {

namespace {

using Problem = std::optional<std::string>;
using tflite::BuiltinOperator;

constexpr double kMaxElements = 0x7fffffff;

bool InRange(const SubgraphInfo& sg, int64_t t) { return t >= 0 && t < static_cast<int64_t>(sg.tensors.size()); }
bool IsConstant(const ModelGraph& graph, const SubgraphInfo& sg, int32_t t) {
  uint32_t buffer = sg.tensors[t].buffer;
  return buffer < graph.constantBuffers.size() && graph.constantBuffers[buffer];
}
bool HasZeroDim(const SubgraphInfo& sg, int32_t t) {
  const Ints& shape = sg.tensors[t].shape;
  for (uint32_t k = 0; k < shape.size(); k++) {
    if (shape[k] == 0) return true;
  }
  return false;
}
std::string ShapeText(const Ints& shape) {  // as JavaScript prints an array: 1,2,3
  std::string out;
  for (uint32_t k = 0; k < shape.size(); k++) out += (k > 0 ? "," : "") + std::to_string(shape[k]);
  return out;
}

// ---- noSubgraphs -------------------------------------------------------------------------------------------------
// The verifier allows Model.subgraphs to be absent; InterpreterBuilder dereferences it (segfault).
// Reproducer: hostile.noSubgraphs (add.tflite with the field dropped).
Problem NoSubgraphs(const ModelGraph& graph, GraphReport&) {
  if (graph.hasSubgraphs) return std::nullopt;
  return "the model has no subgraphs";
}

// ---- quantizationScales ------------------------------------------------------------------------------------------
// NaN, infinite or negative scales: the quantized kernels' QuantizeMultiplier TFLITE_CHECKs abort the process.
// Reproducer: hostile.nanScale (a NaN scale in quant_int8.tflite).
Problem QuantizationScales(const ModelGraph&, const SubgraphInfo& sg, GraphReport&) {
  for (uint32_t t = 0; t < sg.tensors.size(); t++) {
    if (sg.tensors[t].badScale >= 0) {
      return Text("tensor ", t, sg.where, " has a quantization scale that is not a finite, non-negative number");
    }
  }
  return std::nullopt;
}

// ---- tensorShapes ------------------------------------------------------------------------------------------------
// Negative dimensions, or more than 2^31 - 1 elements: TFLite's kernels count elements in int (std::bad_alloc then
// abort, or an overflowed size). Reproducer: hostile.hugeDimension.
Problem TensorShapes(const ModelGraph&, const SubgraphInfo& sg, GraphReport&) {
  for (uint32_t t = 0; t < sg.tensors.size(); t++) {
    const Ints& shape = sg.tensors[t].shape;
    double elements = 1;  // a double, as the count is reported: it may pass 2^53
    for (uint32_t k = 0; k < shape.size(); k++) {
      if (shape[k] < 0) return Text("tensor ", t, sg.where, " has a negative dimension in its shape [", ShapeText(shape), "]");
      elements *= shape[k];
    }
    if (elements > kMaxElements) {
      return Text("tensor ", t, sg.where, " has shape [", ShapeText(shape), "]: ", Number{elements},
                  " elements, more than TFLite can index (2^31 - 1)");
    }
  }
  return std::nullopt;
}

// ---- subgraphIO --------------------------------------------------------------------------------------------------
// Subgraph inputs and outputs that are not tensors of the subgraph: TFLite reports them and goes on with a subgraph
// XNNPACK aborts on; -1 slips through unreported and crashes WHILE, RESHAPE and others. An input listed twice, or a
// constant as the input of a called subgraph: WHILE and IF copy tensors by position into them without checking (a
// constant there is written). The primary subgraph's inputs are only written by the user, and a constant one is
// refused by Tensor.set() (TensorFlow's own testdata/test_model.bin has one and TFLite runs it).
// Reproducer: hostile.outputOutOfRange.
Problem SubgraphIO(const ModelGraph& graph, const SubgraphInfo& sg, GraphReport&) {
  for (auto [label, list] : {std::pair{"input", &sg.inputs}, std::pair{"output", &sg.outputs}}) {
    for (uint32_t k = 0; k < list->size(); k++) {
      int32_t t = (*list)[k];
      if (!InRange(sg, t)) return Text("subgraph ", sg.index, " ", label, " ", t, " is not one of its ", sg.tensors.size(), " tensors");
    }
  }
  std::vector<bool> listed(sg.tensors.size());
  for (uint32_t k = 0; k < sg.inputs.size(); k++) {
    if (listed[sg.inputs[k]]) return Text("subgraph ", sg.index, " lists an input twice");
    listed[sg.inputs[k]] = true;
  }
  if (sg.index > 0) {
    for (uint32_t k = 0; k < sg.inputs.size(); k++) {
      if (IsConstant(graph, sg, sg.inputs[k])) return Text("subgraph ", sg.index, " input ", sg.inputs[k], " is a constant of the model");
    }
  }
  return std::nullopt;
}

// ---- operatorTensors ---------------------------------------------------------------------------------------------
// Operator code indices, inputs, outputs and intermediates out of range (InterpreterBuilder indexes with them), and
// -1 ("no tensor") where the op has no optional input at that position: RESHAPE, TRANSPOSE, STRIDED_SLICE, MEAN,
// WHILE... dereference NULL. Reproducer: hostile.optionalInputWhereNoneIsAllowed (RESHAPE's shape is -1),
// hostile.opcodeOutOfRange.
bool OptionalInput(int32_t code, uint32_t position) {
  switch (code) {
    case tflite::BuiltinOperator_CONV_2D:                      // bias
    case tflite::BuiltinOperator_DEPTHWISE_CONV_2D:            // bias
    case tflite::BuiltinOperator_FULLY_CONNECTED:              // bias
    case tflite::BuiltinOperator_LSH_PROJECTION:               // weight
    case tflite::BuiltinOperator_PAD:                          // constant values
    case tflite::BuiltinOperator_PADV2:                        // constant values
    case tflite::BuiltinOperator_CONV_3D:                      // bias
      return position == 2;
    case tflite::BuiltinOperator_SVDF:                         // bias
    case tflite::BuiltinOperator_TRANSPOSE_CONV:               // bias
    case tflite::BuiltinOperator_CONV_3D_TRANSPOSE:            // bias
      return position == 3;
    case tflite::BuiltinOperator_LSTM:                         // the optional weights, biases and norms
    case tflite::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM:
    case tflite::BuiltinOperator_BIDIRECTIONAL_SEQUENCE_RNN:   // aux inputs
    case tflite::BuiltinOperator_BIDIRECTIONAL_SEQUENCE_LSTM:
      return position >= 1;
    case tflite::BuiltinOperator_CUSTOM:                       // the op's own kernel (or a delegate) decides
      return true;
    default:
      return false;
  }
}

Problem OperatorTensors(const ModelGraph& graph, const SubgraphInfo& sg, GraphReport&) {
  size_t count = sg.tensors.size();
  for (uint32_t o = 0; o < sg.operators.size(); o++) {
    const OperatorInfo& op = sg.operators[o];
    if (op.opcodeIndex >= graph.codes.size()) {
      return Text("operator ", o, sg.where, " uses operator code ", op.opcodeIndex, "; the model defines ", graph.codes.size());
    }
    for (uint32_t p = 0; p < op.inputs.size(); p++) {
      int32_t t = op.inputs[p];
      if (t == -1) {
        if (!OptionalInput(op.code, p)) {
          return Text("operator ", o, sg.where, " (", OpName(op.code), ") has no tensor at input ", p, ", which is not optional");
        }
      } else if (!InRange(sg, t)) {
        return Text("operator ", o, sg.where, " input ", p, " is tensor ", t, "; the subgraph has ", count);
      }
    }
    for (auto [label, list] : {std::pair{"output", &op.outputs}, std::pair{"intermediate", &op.intermediates}}) {
      for (uint32_t p = 0; p < list->size(); p++) {
        int32_t t = (*list)[p];
        if (!InRange(sg, t)) return Text("operator ", o, sg.where, " ", label, " ", p, " is tensor ", t, "; the subgraph has ", count);
      }
    }
  }
  return std::nullopt;
}

// ---- singleWriter ------------------------------------------------------------------------------------------------
// A tensor written by two operators, or an operator writing a subgraph input or a constant: TFLite runs operators
// in stored order and never checks; its delegate partitioner and XNNPACK crash on such graphs, and a constant lives
// in the read-only file mapping (segfault). Reproducer: hostile.writesInput (ADD writes the subgraph's input).
Problem SingleWriter(const ModelGraph& graph, const SubgraphInfo& sg, GraphReport&) {
  std::vector<int64_t> producer(sg.tensors.size(), -1);
  std::vector<bool> isInput(sg.tensors.size());
  for (uint32_t k = 0; k < sg.inputs.size(); k++) isInput[sg.inputs[k]] = true;
  for (uint32_t o = 0; o < sg.operators.size(); o++) {
    const OperatorInfo& op = sg.operators[o];
    for (uint32_t k = 0; k < op.outputs.size(); k++) {
      int32_t t = op.outputs[k];
      if (producer[t] >= 0) return Text("tensor ", t, sg.where, " is computed by both operator ", producer[t], " and operator ", o);
      if (isInput[t]) return Text("operator ", o, sg.where, " (", OpName(op.code), ") writes tensor ", t, ", an input of the subgraph");
      if (IsConstant(graph, sg, t)) {
        return Text("operator ", o, sg.where, " (", OpName(op.code), ") writes tensor ", t, ", a constant of the model");
      }
      producer[t] = o;
    }
  }
  return std::nullopt;
}

// ---- windowOptions -----------------------------------------------------------------------------------------------
// Convolutions and pools without their options (they parse as zeros), with strides, dilations or filter sizes below
// 1 (TFLite and XNNPACK divide by them: SIGFPE), or a padding that is neither SAME nor VALID (TFLite then computes no
// output size and writes past its buffers). Also records the primary subgraph's VALID pools for the interpreter's
// XNNPACK check (GraphReport.validPools). Reproducer: hostile.zeroStride (CONV_2D stride_w 0 in convnet.tflite).
struct Window {
  int padding;
  // Checked in this order: strides (w, h), filter sizes (w, h) of pools, dilations (w, h) of convolutions. Absent
  // fields read as the schema's defaults: 0 for strides and filter sizes, 1 for dilations.
  std::vector<int32_t> values;
  bool pool;
};

// nullopt: the op has no window; a Window without padding's value: the op lacks its options.
std::optional<std::optional<Window>> WindowOf(const OperatorInfo& op) {
  const tflite::Operator& table = *op.table;
  switch (op.code) {
    case tflite::BuiltinOperator_CONV_2D: {
      auto* o = table.builtin_options_as_Conv2DOptions();
      if (o == nullptr) return std::optional<Window>();
      return Window{o->padding(), {o->stride_w(), o->stride_h(), o->dilation_w_factor(), o->dilation_h_factor()}, false};
    }
    case tflite::BuiltinOperator_DEPTHWISE_CONV_2D: {
      auto* o = table.builtin_options_as_DepthwiseConv2DOptions();
      if (o == nullptr) return std::optional<Window>();
      return Window{o->padding(), {o->stride_w(), o->stride_h(), o->dilation_w_factor(), o->dilation_h_factor()}, false};
    }
    case tflite::BuiltinOperator_TRANSPOSE_CONV: {
      auto* o = table.builtin_options_as_TransposeConvOptions();
      if (o == nullptr) return std::optional<Window>();
      return Window{o->padding(), {o->stride_w(), o->stride_h()}, false};
    }
    case tflite::BuiltinOperator_AVERAGE_POOL_2D:
    case tflite::BuiltinOperator_MAX_POOL_2D:
    case tflite::BuiltinOperator_L2_POOL_2D: {
      auto* o = table.builtin_options_as_Pool2DOptions();
      if (o == nullptr) return std::optional<Window>();
      return Window{o->padding(), {o->stride_w(), o->stride_h(), o->filter_width(), o->filter_height()}, true};
    }
    default:
      return std::nullopt;
  }
}

Problem WindowOptions(const ModelGraph&, const SubgraphInfo& sg, GraphReport& report) {
  for (uint32_t o = 0; o < sg.operators.size(); o++) {
    const OperatorInfo& op = sg.operators[o];
    auto read = WindowOf(op);
    if (!read) continue;
    if (!*read) return Text("operator ", o, sg.where, " (", OpName(op.code), ") lacks its options (strides)");
    const Window& window = **read;
    if (window.padding != tflite::Padding_SAME && window.padding != tflite::Padding_VALID) {
      return Text("operator ", o, sg.where, " (", OpName(op.code), ") has padding ", window.padding & 0xff,
                  " (neither SAME nor VALID)");
    }
    if (sg.index == 0 && window.padding == tflite::Padding_VALID && window.pool && op.inputs.size() > 0 &&
        op.inputs[0] >= 0) {
      report.validPools.push_back({op.inputs[0], {window.values[3], window.values[2]}, o});
    }
    for (int32_t value : window.values) {
      if (value < 1) return Text("operator ", o, sg.where, " (", OpName(op.code), ") has a stride, dilation or filter size of ", value);
    }
  }
  return std::nullopt;
}

// ---- groupedConvolution ------------------------------------------------------------------------------------------
// Grouped CONV_2D (input channels a multiple of the filter's) whose output channels do not split into the groups:
// division by zero in the kernel (SIGFPE). Reproducer: hostile.badGroups (convnet.tflite's input 1 channel deep).
Problem GroupedConvolution(const ModelGraph&, const SubgraphInfo& sg, GraphReport&) {
  for (uint32_t o = 0; o < sg.operators.size(); o++) {
    const OperatorInfo& op = sg.operators[o];
    if (op.code != tflite::BuiltinOperator_CONV_2D || op.inputs.size() < 2 || op.inputs[0] < 0 || op.inputs[1] < 0) continue;
    // input [N,H,W,C], filter [O,KH,KW,I]: C / I groups, each with O / groups output channels
    const Ints& input = sg.tensors[op.inputs[0]].shape;
    const Ints& filter = sg.tensors[op.inputs[1]].shape;
    if (input.size() == 4 && filter.size() == 4 && filter[3] > 0 && input[3] != filter[3]) {
      double groups = static_cast<double>(input[3]) / filter[3];
      if (groups != std::trunc(groups) || std::fmod(static_cast<double>(filter[0]), groups) != 0) {
        return Text("operator ", o, sg.where, " (CONV_2D) has ", input[3], " input channels and a filter of ", filter[3],
                    ", ", filter[0], " outputs: not a whole number of groups");
      }
    }
  }
  return std::nullopt;
}

// ---- mulSameType -------------------------------------------------------------------------------------------------
// MUL: its 2.14.1 kernel keeps the output's declared type and evaluates by it, reading the inputs as that type (past
// their buffers when they are narrower: heap over-read). ADD, SUB, DIV, MAXIMUM, MINIMUM, POW, FLOOR_DIV, FLOOR_MOD
// and SQUARED_DIFFERENCE set the output's type from their inputs in Prepare, so a model declaring another output
// type is valid for them: TensorFlow's own testdata/add_quantized.bin (uint8 ADD, output declared float32) runs in
// TFLite and in Python, and was refused until the corpus showed it (test/corpus.test.ts).
// Reproducer: hostile.mulMixedTypes (dtypes_complex64.tflite's MUL input declared int32).
Problem MulSameType(const ModelGraph&, const SubgraphInfo& sg, GraphReport&) {
  for (uint32_t o = 0; o < sg.operators.size(); o++) {
    const OperatorInfo& op = sg.operators[o];
    if (op.code != tflite::BuiltinOperator_MUL || op.outputs.size() == 0) continue;
    int expected = sg.tensors[op.outputs[0]].type;
    for (uint32_t k = 0; k < op.inputs.size(); k++) {
      int32_t t = op.inputs[k];
      if (t >= 0 && sg.tensors[t].type != expected) {
        return Text("operator ", o, sg.where, " (MUL) mixes types: input tensor ", t, " is ", TypeName(sg.tensors[t].type),
                    ", its output ", TypeName(expected));
      }
    }
  }
  return std::nullopt;
}

// ---- scaled8bit --------------------------------------------------------------------------------------------------
// 8-bit tensors without a quantization scale on the ops whose uint8 / int8 kernels compute requantization
// multipliers from the scales in Prepare: with a zero scale TFLite's TFLITE_CHECKs abort the process.
// Reproducer: hostile.zeroScale8bit (quant_int8.tflite's FULLY_CONNECTED input scale 0).
bool Scaled8BitOp(int32_t code) {
  switch (code) {
    case tflite::BuiltinOperator_ADD: case tflite::BuiltinOperator_AVERAGE_POOL_2D: case tflite::BuiltinOperator_CONV_2D:
    case tflite::BuiltinOperator_DEPTHWISE_CONV_2D: case tflite::BuiltinOperator_FULLY_CONNECTED:
    case tflite::BuiltinOperator_L2_NORMALIZATION: case tflite::BuiltinOperator_LOGISTIC: case tflite::BuiltinOperator_MUL:
    case tflite::BuiltinOperator_RELU: case tflite::BuiltinOperator_RELU_N1_TO_1: case tflite::BuiltinOperator_RELU6:
    case tflite::BuiltinOperator_SOFTMAX: case tflite::BuiltinOperator_TANH: case tflite::BuiltinOperator_MEAN:
    case tflite::BuiltinOperator_SUB: case tflite::BuiltinOperator_LOG_SOFTMAX: case tflite::BuiltinOperator_PRELU:
    case tflite::BuiltinOperator_TRANSPOSE_CONV: case tflite::BuiltinOperator_SUM: case tflite::BuiltinOperator_LEAKY_RELU:
    case tflite::BuiltinOperator_SQUARED_DIFFERENCE: case tflite::BuiltinOperator_HARD_SWISH:
    case tflite::BuiltinOperator_BATCH_MATMUL:
      return true;
    default:
      return false;
  }
}

Problem Scaled8Bit(const ModelGraph&, const SubgraphInfo& sg, GraphReport&) {
  for (uint32_t o = 0; o < sg.operators.size(); o++) {
    const OperatorInfo& op = sg.operators[o];
    if (!Scaled8BitOp(op.code)) continue;
    for (uint32_t k = 0; k < op.inputs.size() + op.outputs.size(); k++) {
      int32_t t = k < op.inputs.size() ? op.inputs[k] : op.outputs[k - op.inputs.size()];
      if (t < 0) continue;
      const TensorInfo& tensor = sg.tensors[t];
      bool eightBit = tensor.type == tflite::TensorType_UINT8 || tensor.type == tflite::TensorType_INT8;
      if (eightBit && !(tensor.firstScale > 0)) {
        return Text("tensor ", t, sg.where, " is ", tensor.type == tflite::TensorType_INT8 ? "int8" : "uint8",
                    " without a quantization scale, which ", OpName(op.code), " needs for 8-bit tensors");
      }
    }
  }
  return std::nullopt;
}

// ---- deadOutputs (not a refusal: runs the model without XNNPACK) -------------------------------------------------
// An operator whose outputs nothing uses (dead code, which converters remove): XNNPACK (2024-11) drops such a node
// while optimizing, then aborts the process on the node that fed it ("Node has no consumers").
// Reproducer: xnnpackHazards.deadOperator (add_mul.tflite's MUL reads the input instead of ADD's output).
Problem DeadOutputs(const ModelGraph&, const SubgraphInfo& sg, GraphReport& report) {
  if (report.xnnpackHazard) return std::nullopt;
  std::vector<bool> used(sg.tensors.size());
  auto use = [&](int32_t t) {
    if (InRange(sg, t)) used[t] = true;
  };
  for (uint32_t k = 0; k < sg.outputs.size(); k++) use(sg.outputs[k]);
  for (const OperatorInfo& op : sg.operators) {
    for (uint32_t k = 0; k < op.inputs.size(); k++) use(op.inputs[k]);
  }
  for (uint32_t o = 0; o < sg.operators.size(); o++) {
    const OperatorInfo& op = sg.operators[o];
    bool anyUsed = false;
    for (uint32_t k = 0; k < op.outputs.size() && !anyUsed; k++) anyUsed = used[op.outputs[k]];
    if (op.outputs.size() > 0 && !anyUsed) {
      report.xnnpackHazard = Text("operator ", o, sg.where, " (", OpName(op.code), ") computes outputs nothing uses; ",
                                  "XNNPACK aborts the process on such graphs, so the model runs without it");
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// ---- executionOrder ----------------------------------------------------------------------------------------------
// An operator reading a tensor that a later operator (or itself) computes: TFLite runs operators in stored order and
// never checks; its delegate partitioner and XNNPACK crash. An operator or a subgraph output reading a tensor that
// nothing ever writes (not an input, constant, variable or result, and not empty): string kernels, WHILE and IF
// dereference its missing buffer. Reproducer: hostile.selfLoop (ADD reads its own output).
Problem ExecutionOrder(const ModelGraph& graph, const SubgraphInfo& sg, GraphReport&) {
  std::vector<int64_t> producer(sg.tensors.size(), -1);
  for (uint32_t o = 0; o < sg.operators.size(); o++) {
    const Ints& outputs = sg.operators[o].outputs;
    for (uint32_t k = 0; k < outputs.size(); k++) producer[outputs[k]] = o;
  }
  std::vector<bool> isInput(sg.tensors.size());
  for (uint32_t k = 0; k < sg.inputs.size(); k++) isInput[sg.inputs[k]] = true;
  auto unwritten = [&](int32_t t) {
    return producer[t] < 0 && !isInput[t] && !IsConstant(graph, sg, t) && !sg.tensors[t].isVariable && !HasZeroDim(sg, t);
  };
  for (uint32_t o = 0; o < sg.operators.size(); o++) {
    const Ints& inputs = sg.operators[o].inputs;
    for (uint32_t p = 0; p < inputs.size(); p++) {
      int32_t t = inputs[p];
      if (t < 0) continue;
      int64_t from = producer[t];
      if (from >= 0 && from >= o) {
        return Text("operator ", o, sg.where, " reads tensor ", t, " before ",
                    from == o ? std::string("it computes it itself") : Text("operator ", from, " computes it"));
      }
      if (unwritten(t)) {
        return Text("operator ", o, sg.where, " reads tensor ", t,
                    ", which is not an input, a constant, a variable or computed by an operator");
      }
    }
  }
  for (uint32_t k = 0; k < sg.outputs.size(); k++) {
    if (unwritten(sg.outputs[k])) {
      return Text("subgraph ", sg.index, " output ", sg.outputs[k],
                  " is not an input, a constant, a variable or computed by an operator");
    }
  }
  return std::nullopt;
}

// ---- readVariableSize --------------------------------------------------------------------------------------------
// READ_VARIABLE declaring more elements (or another type) than any value assigned to that variable: the kernel
// copies as many bytes as its output declares out of the variable's buffer (a 185 KB over-read of an 8-byte
// buffer). Variables are keyed by VAR_HANDLE's container/shared_name across subgraphs.
// Reproducer: hostile.readVariableOverread.
struct VariableUse {
  double elements;
  int type;
  std::string where;
};
struct Variable {
  std::string name;
  std::vector<VariableUse> assigned, reads;
};

std::string StringOption(const flatbuffers::String* text) {
  return text == nullptr ? "" : DecodedUtf8(text->c_str(), text->size());
}

Problem ReadVariableSize(const ModelGraph& graph, GraphReport&) {
  std::vector<Variable> variables;  // in the order first used, as the report names the first mismatch
  std::unordered_map<std::string, size_t> byName;
  auto variable = [&](const std::string& name) -> Variable& {
    auto [at, added] = byName.emplace(name, variables.size());
    if (added) variables.push_back({name, {}, {}});
    return variables[at->second];
  };
  for (const SubgraphInfo& sg : graph.subgraphs) {
    // static element counts (a negative dimension in the signature: dynamic, not compared)
    auto elementsOf = [&](int32_t t) -> std::optional<double> {
      if (Dynamic(sg.tensors[t])) return std::nullopt;
      double elements = 1;
      const Ints& shape = sg.tensors[t].shape;
      for (uint32_t k = 0; k < shape.size(); k++) elements *= shape[k];
      return elements;
    };
    std::unordered_map<int32_t, std::string> handles;
    for (uint32_t o = 0; o < sg.operators.size(); o++) {
      const OperatorInfo& op = sg.operators[o];
      const Ints& ins = op.inputs;
      const Ints& outs = op.outputs;
      if (op.code == tflite::BuiltinOperator_VAR_HANDLE && outs.size() == 1) {
        auto* options = op.table->builtin_options_as_VarHandleOptions();
        handles[outs[0]] = StringOption(options ? options->container() : nullptr) + "/" +
                           StringOption(options ? options->shared_name() : nullptr);
      } else if (op.code == tflite::BuiltinOperator_ASSIGN_VARIABLE && ins.size() == 2 && handles.count(ins[0]) &&
                 ins[1] >= 0) {
        if (auto elements = elementsOf(ins[1])) {
          variable(handles[ins[0]]).assigned.push_back({*elements, sg.tensors[ins[1]].type, ""});
        }
      } else if (op.code == tflite::BuiltinOperator_READ_VARIABLE && ins.size() == 1 && outs.size() == 1 &&
                 handles.count(ins[0])) {
        if (auto elements = elementsOf(outs[0])) {
          variable(handles[ins[0]]).reads.push_back({*elements, sg.tensors[outs[0]].type, Text("operator ", o, sg.where)});
        }
      }
    }
  }
  for (const Variable& v : variables) {
    for (const VariableUse& read : v.reads) {
      for (const VariableUse& bad : v.assigned) {
        if (bad.type != read.type || bad.elements < read.elements) {
          return Text(read.where, " (READ_VARIABLE) reads ", Number{read.elements}, " ", TypeName(read.type),
                      " elements from variable '", v.name, "', which is assigned ", Number{bad.elements}, " ",
                      TypeName(bad.type));
        }
      }
    }
  }
  return std::nullopt;
}

// ---- controlFlow -------------------------------------------------------------------------------------------------
// WHILE and IF whose subgraphs do not exist, or take and return other numbers or types of tensors than the node
// passes: the kernels copy the node's tensors into the branches' inputs (and a body's outputs back) by position and
// byte for byte, without checking (heap overflow, NULL subgraph). WHILE: cond takes the node's inputs and returns
// one value; body takes and returns them. IF: both branches take the node's inputs after the condition and return
// its outputs. Reproducer: hostile.whileMissingSubgraph (loop.tflite's cond subgraph index 9).
Problem ControlFlow(const ModelGraph& graph, GraphReport&) {
  const std::vector<SubgraphInfo>& subgraphs = graph.subgraphs;
  auto typesOf = [](const SubgraphInfo& sg, const Ints& list) {
    std::vector<int> types;
    for (uint32_t k = 0; k < list.size(); k++) types.push_back(sg.tensors[list[k]].type);
    return types;
  };
  auto mismatch = [](const std::vector<int>& a, const std::vector<int>& b) {
    for (size_t i = 0; i < a.size(); i++) {
      if (i >= b.size() || a[i] != b[i]) return true;
    }
    return false;
  };
  for (const SubgraphInfo& sg : subgraphs) {
    for (uint32_t o = 0; o < sg.operators.size(); o++) {
      const OperatorInfo& op = sg.operators[o];
      bool isWhile = op.code == tflite::BuiltinOperator_WHILE;
      if (!isWhile && op.code != tflite::BuiltinOperator_IF) continue;
      std::string where = Text("operator ", o, " (", OpName(op.code), ") of subgraph ", sg.index);
      int32_t branches[2];
      if (isWhile) {
        auto* options = op.table->builtin_options_as_WhileOptions();
        if (options == nullptr) return where + " lacks its options";
        branches[0] = options->cond_subgraph_index(), branches[1] = options->body_subgraph_index();
      } else {
        auto* options = op.table->builtin_options_as_IfOptions();
        if (options == nullptr) return where + " lacks its options";
        branches[0] = options->then_subgraph_index(), branches[1] = options->else_subgraph_index();
      }
      int64_t inputs = op.inputs.size();
      int64_t outputs = op.outputs.size();
      for (int32_t b : branches) {
        if (b < 0 || b >= static_cast<int64_t>(subgraphs.size()) || b == static_cast<int64_t>(sg.index)) {
          return Text(where, " names subgraph ", b);
        }
      }
      if (isWhile && inputs != outputs) return Text(where, " has ", inputs, " inputs but ", outputs, " outputs");
      int64_t want[2][2] = {{inputs, 1}, {inputs, inputs}};
      if (!isWhile) want[0][0] = want[1][0] = inputs - 1, want[0][1] = want[1][1] = outputs;
      for (int k = 0; k < 2; k++) {
        const SubgraphInfo& branch = subgraphs[branches[k]];
        int64_t bi = branch.inputs.size(), bo = branch.outputs.size();
        if (bi != want[k][0] || bo != want[k][1]) {
          return Text(where, ": subgraph ", branches[k], " takes ", bi, " and returns ", bo, " tensors; the node needs ",
                      want[k][0], " and ", want[k][1]);
        }
      }
      std::vector<int> nodeTypes;
      for (uint32_t k = isWhile ? 0 : 1; k < op.inputs.size(); k++) {
        nodeTypes.push_back(op.inputs[k] >= 0 ? sg.tensors[op.inputs[k]].type : -1);
      }
      std::vector<int> outTypes = typesOf(sg, op.outputs);
      const SubgraphInfo& first = subgraphs[branches[0]];
      const SubgraphInfo& second = subgraphs[branches[1]];
      if (mismatch(nodeTypes, typesOf(first, first.inputs)) || mismatch(nodeTypes, typesOf(second, second.inputs)) ||
          mismatch(outTypes, typesOf(second, second.outputs)) || (isWhile && mismatch(nodeTypes, outTypes)) ||
          (!isWhile && mismatch(outTypes, typesOf(first, first.outputs)))) {
        return where + ": the types its subgraphs take or return differ from the node's";
      }
    }
  }
  return std::nullopt;
}

// ---- signatures --------------------------------------------------------------------------------------------------
// Signatures naming a subgraph or tensor that does not exist (TFLite builds a runner over a NULL subgraph), or naming
// fewer inputs or outputs than their subgraph has (TFLite counts the runner's tensors from the subgraph and reads
// past its list of names; a NULL name made std::string throw past N-API: abort). TFLite keys a signature's tensors
// by name: unnamed entries are dropped and duplicate names collapse.
// Reproducer: hostile.signatureSubgraphOutOfRange, hostile.signatureTensorOutOfRange.
Problem Signatures(const ModelGraph& graph, GraphReport&) {
  const std::vector<SubgraphInfo>& subgraphs = graph.subgraphs;
  auto named = [](const std::vector<std::optional<std::string>>& names) {
    std::set<std::string> distinct;
    for (const auto& name : names) {
      if (name) distinct.insert(*name);
    }
    return distinct.size();
  };
  for (uint32_t k = 0; k < graph.signatures.size(); k++) {
    const SignatureInfo& sig = graph.signatures[k];
    if (sig.subgraph >= subgraphs.size()) continue;  // reported below
    const SubgraphInfo& sg = subgraphs[sig.subgraph];
    size_t inputs = named(sig.inputNames), outputs = named(sig.outputNames);
    if (inputs != sg.inputs.size() || outputs != sg.outputs.size()) {
      return Text("signature ", k, " names ", inputs, " inputs and ", outputs, " outputs; its subgraph ", sig.subgraph,
                  " has ", sg.inputs.size(), " and ", sg.outputs.size());
    }
  }
  for (uint32_t k = 0; k < graph.signatures.size(); k++) {
    const SignatureInfo& sig = graph.signatures[k];
    if (sig.subgraph >= subgraphs.size()) {
      return Text("signature ", k, " names subgraph ", sig.subgraph, "; the model has ", subgraphs.size());
    }
    size_t count = subgraphs[sig.subgraph].tensors.size();
    for (uint32_t t : sig.tensors) {
      if (t >= count) return Text("signature ", k, " names tensor ", t, " of subgraph ", sig.subgraph, ", which has ", count);
    }
  }
  return std::nullopt;
}

struct SubgraphRule {
  const char* name;
  Problem (*check)(const ModelGraph&, const SubgraphInfo&, GraphReport&);
};
struct ModelRule {
  const char* name;
  Problem (*check)(const ModelGraph&, GraphReport&);
};

// Per subgraph, in this order.
constexpr SubgraphRule kSubgraphRules[] = {
    {"quantizationScales", QuantizationScales}, {"tensorShapes", TensorShapes}, {"subgraphIO", SubgraphIO},
    {"operatorTensors", OperatorTensors},       {"singleWriter", SingleWriter}, {"windowOptions", WindowOptions},
    {"groupedConvolution", GroupedConvolution}, {"mulSameType", MulSameType},   {"scaled8bit", Scaled8Bit},
    {"deadOutputs", DeadOutputs},               {"executionOrder", ExecutionOrder},
};
// After every subgraph's rules passed.
constexpr ModelRule kModelRules[] = {
    {"readVariableSize", ReadVariableSize}, {"controlFlow", ControlFlow}, {"signatures", Signatures}};

}  // namespace

GraphReport CheckModelGraph(const tflite::Model& model) {
  GraphReport report;
  ModelGraph graph = ReadModelGraph(model);
  auto verdict = [&](const char* rule, Problem problem) {
    if (!problem) return false;
    report.problem = std::move(problem);
    report.rule = rule;
    return true;
  };
  if (verdict("noSubgraphs", NoSubgraphs(graph, report))) return report;
  for (const SubgraphInfo& sg : graph.subgraphs) {
    for (const SubgraphRule& rule : kSubgraphRules) {
      if (verdict(rule.name, rule.check(graph, sg, report))) return report;
    }
  }
  for (const ModelRule& rule : kModelRules) {
    if (verdict(rule.name, rule.check(graph, report))) return report;
  }
  return report;
}

}  // namespace tflite_node::model_check
