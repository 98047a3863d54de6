/**
 * The graph rules, one section each: what it refuses, the crash it prevents (found by stress/fuzz-models.js unless
 * said otherwise) and the reproducer that proves it (a stress/lib/hostile.js model, run by test/bad-input.test.js
 * and test/model-check-rules.test.js, which asserts that rule refuses it). Every rule is also run on the
 * compatibility corpus (test/corpus.test.js) and the fixtures and stress/seeds (test/bad-input.test.js, "the graph
 * checks refuse no real model"): none may refuse a model TFLite runs correctly.
 *
 * A rule returns the problem it found, or null. Subgraph rules run per subgraph in the order listed; model rules
 * after them. The first problem found is the verdict.
 */
import { BuiltinOperator, BuiltinOptions, FIELDS, Padding, TensorType } from '../schema/tflite';
import { GraphReport } from './report';
import { ModelGraph, OperatorInfo, SubgraphInfo, dynamic, opName, options } from './graph';

export interface SubgraphRule {
  name: string;
  check(graph: ModelGraph, sg: SubgraphInfo, report: GraphReport): string | null;
}
export interface ModelRule {
  name: string;
  check(graph: ModelGraph, report: GraphReport): string | null;
}

const MAX_ELEMENTS = 0x7fffffff;
const typeName = (type: number): string => TensorType[type] ?? `type ${type}`;
const inRange = (sg: SubgraphInfo, t: number) => t >= 0 && t < sg.tensors.length;
const isConstant = (graph: ModelGraph, sg: SubgraphInfo, t: number) =>
  graph.constantBuffers[sg.tensors[t].buffer] === true;
const hasZeroDim = (sg: SubgraphInfo, t: number) => sg.tensors[t].shape.some((d) => d === 0);

// ---- noSubgraphs -------------------------------------------------------------------------------------------------
// The verifier allows Model.subgraphs to be absent; InterpreterBuilder dereferences it (segfault).
// Reproducer: hostile.noSubgraphs (add.tflite with the field dropped).
export const noSubgraphs: ModelRule = {
  name: 'noSubgraphs',
  check: (graph) => (graph.hasSubgraphs ? null : 'the model has no subgraphs'),
};

// ---- quantizationScales ------------------------------------------------------------------------------------------
// NaN, infinite or negative scales: the quantized kernels' QuantizeMultiplier TFLITE_CHECKs abort the process.
// Reproducer: hostile.nanScale (a NaN scale in quant_int8.tflite).
export const quantizationScales: SubgraphRule = {
  name: 'quantizationScales',
  check: (_graph, sg) => {
    for (let t = 0; t < sg.tensors.length; t++) {
      if (sg.tensors[t].badScale >= 0) {
        return `tensor ${t}${sg.where} has a quantization scale that is not a finite, non-negative number`;
      }
    }
    return null;
  },
};

// ---- tensorShapes ------------------------------------------------------------------------------------------------
// Negative dimensions, or more than 2^31 - 1 elements: TFLite's kernels count elements in int (std::bad_alloc then
// abort, or an overflowed size). Reproducer: hostile.hugeDimension.
export const tensorShapes: SubgraphRule = {
  name: 'tensorShapes',
  check: (_graph, sg) => {
    for (let t = 0; t < sg.tensors.length; t++) {
      const shape = sg.tensors[t].shape;
      let elements = 1;
      for (const d of shape) {
        if (d < 0) return `tensor ${t}${sg.where} has a negative dimension in its shape [${shape}]`;
        elements *= d;
      }
      if (elements > MAX_ELEMENTS) {
        return `tensor ${t}${sg.where} has shape [${shape}]: ${elements} elements, more than TFLite can index (2^31 - 1)`;
      }
    }
    return null;
  },
};

// ---- subgraphIO --------------------------------------------------------------------------------------------------
// Subgraph inputs and outputs that are not tensors of the subgraph: TFLite reports them and goes on with a subgraph
// XNNPACK aborts on; -1 slips through unreported and crashes WHILE, RESHAPE and others. An input listed twice, or a
// constant as the input of a called subgraph: WHILE and IF copy tensors by position into them without checking (a
// constant there is written). The primary subgraph's inputs are only written by the user, and a constant one is
// refused by Tensor.set() (TensorFlow's own testdata/test_model.bin has one and TFLite runs it).
// Reproducer: hostile.outputOutOfRange.
export const subgraphIO: SubgraphRule = {
  name: 'subgraphIO',
  check: (graph, sg) => {
    for (const [label, list] of [['input', sg.inputs], ['output', sg.outputs]] as const) {
      for (const t of list) {
        if (!inRange(sg, t)) return `subgraph ${sg.index} ${label} ${t} is not one of its ${sg.tensors.length} tensors`;
      }
    }
    if (new Set(sg.inputs).size !== sg.inputs.length) return `subgraph ${sg.index} lists an input twice`;
    const constant = sg.index > 0 ? sg.inputs.find((t) => isConstant(graph, sg, t)) : undefined;
    if (constant !== undefined) return `subgraph ${sg.index} input ${constant} is a constant of the model`;
    return null;
  },
};

// ---- operatorTensors ---------------------------------------------------------------------------------------------
// Operator code indices, inputs, outputs and intermediates out of range (InterpreterBuilder indexes with them), and
// -1 ("no tensor") where the op has no optional input at that position: RESHAPE, TRANSPOSE, STRIDED_SLICE, MEAN,
// WHILE... dereference NULL. Reproducer: hostile.optionalInputWhereNoneIsAllowed (RESHAPE's shape is -1),
// hostile.opcodeOutOfRange.
const OPTIONAL_INPUTS = new Map<number, (position: number) => boolean>([
  [BuiltinOperator.CONV_2D, (p) => p === 2],                    // bias
  [BuiltinOperator.DEPTHWISE_CONV_2D, (p) => p === 2],          // bias
  [BuiltinOperator.FULLY_CONNECTED, (p) => p === 2],            // bias
  [BuiltinOperator.LSH_PROJECTION, (p) => p === 2],             // weight
  [BuiltinOperator.LSTM, (p) => p >= 1],                        // the optional weights, biases and norms
  [BuiltinOperator.SVDF, (p) => p === 3],                       // bias
  [BuiltinOperator.CUSTOM, () => true],                         // the op's own kernel (or a delegate) decides
  [BuiltinOperator.PAD, (p) => p === 2],                        // constant values
  [BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM, (p) => p >= 1],
  [BuiltinOperator.BIDIRECTIONAL_SEQUENCE_RNN, (p) => p >= 1],  // aux inputs
  [BuiltinOperator.BIDIRECTIONAL_SEQUENCE_LSTM, (p) => p >= 1],
  [BuiltinOperator.PADV2, (p) => p === 2],                      // constant values
  [BuiltinOperator.TRANSPOSE_CONV, (p) => p === 3],             // bias
  [BuiltinOperator.CONV_3D, (p) => p === 2],                    // bias
  [BuiltinOperator.CONV_3D_TRANSPOSE, (p) => p === 3],          // bias
]);

export const operatorTensors: SubgraphRule = {
  name: 'operatorTensors',
  check: (graph, sg) => {
    const count = sg.tensors.length;
    const outOfRange = (o: number, label: string, list: number[]): string | null => {
      for (let p = 0; p < list.length; p++) {
        if (!inRange(sg, list[p])) return `operator ${o}${sg.where} ${label} ${p} is tensor ${list[p]}; the subgraph has ${count}`;
      }
      return null;
    };
    for (let o = 0; o < sg.operators.length; o++) {
      const op = sg.operators[o];
      if (op.opcodeIndex >= graph.codes.length) {
        return `operator ${o}${sg.where} uses operator code ${op.opcodeIndex}; the model defines ${graph.codes.length}`;
      }
      const optional = OPTIONAL_INPUTS.get(op.code);
      for (let p = 0; p < op.inputs.length; p++) {
        const t = op.inputs[p];
        if (t === -1) {
          if (!optional || !optional(p)) {
            return `operator ${o}${sg.where} (${opName(op.code)}) has no tensor at input ${p}, which is not optional`;
          }
        } else if (!inRange(sg, t)) {
          return `operator ${o}${sg.where} input ${p} is tensor ${t}; the subgraph has ${count}`;
        }
      }
      const bad = outOfRange(o, 'output', op.outputs) ?? outOfRange(o, 'intermediate', op.intermediates);
      if (bad !== null) return bad;
    }
    return null;
  },
};

// ---- singleWriter ------------------------------------------------------------------------------------------------
// A tensor written by two operators, or an operator writing a subgraph input or a constant: TFLite runs operators
// in stored order and never checks; its delegate partitioner and XNNPACK crash on such graphs, and a constant lives
// in the read-only file mapping (segfault). Reproducer: hostile.writesInput (ADD writes the subgraph's input).
export const singleWriter: SubgraphRule = {
  name: 'singleWriter',
  check: (graph, sg) => {
    const producer = new Map<number, number>();
    const isInput = new Set(sg.inputs);
    for (let o = 0; o < sg.operators.length; o++) {
      const op = sg.operators[o];
      for (const t of op.outputs) {
        const other = producer.get(t);
        if (other !== undefined) return `tensor ${t}${sg.where} is computed by both operator ${other} and operator ${o}`;
        if (isInput.has(t)) return `operator ${o}${sg.where} (${opName(op.code)}) writes tensor ${t}, an input of the subgraph`;
        if (isConstant(graph, sg, t)) {
          return `operator ${o}${sg.where} (${opName(op.code)}) writes tensor ${t}, a constant of the model`;
        }
        producer.set(t, o);
      }
    }
    return null;
  },
};

// ---- windowOptions -----------------------------------------------------------------------------------------------
// Convolutions and pools without their options (they parse as zeros), with strides, dilations or filter sizes below
// 1 (TFLite and XNNPACK divide by them: SIGFPE), or a padding that is neither SAME nor VALID (TFLite then computes no
// output size and writes past its buffers). Also records the primary subgraph's VALID pools for the interpreter's
// XNNPACK check (GraphReport.validPools). Reproducer: hostile.zeroStride (CONV_2D stride_w 0 in convnet.tflite).
interface Window { padding: number; strides: number[]; atLeastOne: number[]; defaultOne: number[] }
const CONV = FIELDS.Conv2DOptions;
const DEPTHWISE = FIELDS.DepthwiseConv2DOptions;
const TRANSPOSE = FIELDS.TransposeConvOptions;
const POOL = FIELDS.Pool2DOptions;
// Absent fields read as the schema's defaults: 0 for strides and filter sizes, 1 for dilations.
const WINDOWED_OPS = new Map<number, (op: OperatorInfo) => Window | null>([
  [BuiltinOperator.CONV_2D, (op) => {
    const o = options(op, BuiltinOptions.Conv2DOptions);
    return o && { padding: o.int8(CONV.padding), strides: [o.int32(CONV.strideW), o.int32(CONV.strideH)],
      atLeastOne: [], defaultOne: [o.int32(CONV.dilationWFactor, 1), o.int32(CONV.dilationHFactor, 1)] };
  }],
  [BuiltinOperator.DEPTHWISE_CONV_2D, (op) => {
    const o = options(op, BuiltinOptions.DepthwiseConv2DOptions);
    return o && { padding: o.int8(DEPTHWISE.padding), strides: [o.int32(DEPTHWISE.strideW), o.int32(DEPTHWISE.strideH)],
      atLeastOne: [], defaultOne: [o.int32(DEPTHWISE.dilationWFactor, 1), o.int32(DEPTHWISE.dilationHFactor, 1)] };
  }],
  [BuiltinOperator.TRANSPOSE_CONV, (op) => {
    const o = options(op, BuiltinOptions.TransposeConvOptions);
    return o && { padding: o.int8(TRANSPOSE.padding), strides: [o.int32(TRANSPOSE.strideW), o.int32(TRANSPOSE.strideH)],
      atLeastOne: [], defaultOne: [] };
  }],
  ...[BuiltinOperator.AVERAGE_POOL_2D, BuiltinOperator.MAX_POOL_2D, BuiltinOperator.L2_POOL_2D].map((code) =>
    [code, (op: OperatorInfo) => {
      const o = options(op, BuiltinOptions.Pool2DOptions);
      return o && { padding: o.int8(POOL.padding), strides: [o.int32(POOL.strideW), o.int32(POOL.strideH)],
        atLeastOne: [o.int32(POOL.filterWidth), o.int32(POOL.filterHeight)], defaultOne: [] };
    }] as const),
]);

export const windowOptions: SubgraphRule = {
  name: 'windowOptions',
  check: (graph, sg, report) => {
    for (let o = 0; o < sg.operators.length; o++) {
      const op = sg.operators[o];
      const read = WINDOWED_OPS.get(op.code);
      if (!read) continue;
      const window = read(op);
      if (window === null) return `operator ${o}${sg.where} (${opName(op.code)}) lacks its options (strides)`;
      const { padding } = window;
      if (padding !== Padding.SAME && padding !== Padding.VALID) {
        return `operator ${o}${sg.where} (${opName(op.code)}) has padding ${padding & 0xff} (neither SAME nor VALID)`;
      }
      if (sg.index === 0 && padding === Padding.VALID && window.atLeastOne.length === 2 && op.inputs[0] >= 0) {
        const [w, h] = window.atLeastOne;
        report.validPools.push({ input: op.inputs[0], window: [h, w], op: o });
      }
      for (const value of [...window.strides, ...window.atLeastOne, ...window.defaultOne]) {
        if (value < 1) return `operator ${o}${sg.where} (${opName(op.code)}) has a stride, dilation or filter size of ${value}`;
      }
    }
    return null;
  },
};

// ---- groupedConvolution ------------------------------------------------------------------------------------------
// Grouped CONV_2D (input channels a multiple of the filter's) whose output channels do not split into the groups:
// division by zero in the kernel (SIGFPE). Reproducer: hostile.badGroups (convnet.tflite's input 1 channel deep).
export const groupedConvolution: SubgraphRule = {
  name: 'groupedConvolution',
  check: (_graph, sg) => {
    for (let o = 0; o < sg.operators.length; o++) {
      const op = sg.operators[o];
      if (op.code !== BuiltinOperator.CONV_2D || op.inputs.length < 2 || op.inputs[0] < 0 || op.inputs[1] < 0) continue;
      // input [N,H,W,C], filter [O,KH,KW,I]: C / I groups, each with O / groups output channels
      const input = sg.tensors[op.inputs[0]].shape;
      const filter = sg.tensors[op.inputs[1]].shape;
      if (input.length === 4 && filter.length === 4 && filter[3] > 0 && input[3] !== filter[3]) {
        const groups = input[3] / filter[3];
        if (!Number.isInteger(groups) || filter[0] % groups !== 0) {
          return `operator ${o}${sg.where} (CONV_2D) has ${input[3]} input channels and a filter of ${filter[3]}, ` +
            `${filter[0]} outputs: not a whole number of groups`;
        }
      }
    }
    return null;
  },
};

// ---- mulSameType -------------------------------------------------------------------------------------------------
// MUL: its 2.14.1 kernel keeps the output's declared type and evaluates by it, reading the inputs as that type (past
// their buffers when they are narrower: heap over-read). ADD, SUB, DIV, MAXIMUM, MINIMUM, POW, FLOOR_DIV, FLOOR_MOD
// and SQUARED_DIFFERENCE set the output's type from their inputs in Prepare, so a model declaring another output
// type is valid for them: TensorFlow's own testdata/add_quantized.bin (uint8 ADD, output declared float32) runs in
// TFLite and in Python, and was refused until the corpus showed it (test/corpus.test.js).
// Reproducer: hostile.mulMixedTypes (dtypes_complex64.tflite's MUL input declared int32).
export const mulSameType: SubgraphRule = {
  name: 'mulSameType',
  check: (_graph, sg) => {
    for (let o = 0; o < sg.operators.length; o++) {
      const op = sg.operators[o];
      if (op.code !== BuiltinOperator.MUL || op.outputs.length === 0) continue;
      const expected = sg.tensors[op.outputs[0]].type;
      const other = op.inputs.find((t) => t >= 0 && sg.tensors[t].type !== expected);
      if (other !== undefined) {
        return `operator ${o}${sg.where} (MUL) mixes types: input tensor ${other} is ` +
          `${typeName(sg.tensors[other].type)}, its output ${typeName(expected)}`;
      }
    }
    return null;
  },
};

// ---- scaled8bit --------------------------------------------------------------------------------------------------
// 8-bit tensors without a quantization scale on the ops whose uint8 / int8 kernels compute requantization
// multipliers from the scales in Prepare: with a zero scale TFLite's TFLITE_CHECKs abort the process.
// Reproducer: hostile.zeroScale8bit (quant_int8.tflite's FULLY_CONNECTED input scale 0).
const SCALED_8BIT_OPS = new Set<number>([
  BuiltinOperator.ADD, BuiltinOperator.AVERAGE_POOL_2D, BuiltinOperator.CONV_2D, BuiltinOperator.DEPTHWISE_CONV_2D,
  BuiltinOperator.FULLY_CONNECTED, BuiltinOperator.L2_NORMALIZATION, BuiltinOperator.LOGISTIC, BuiltinOperator.MUL,
  BuiltinOperator.RELU, BuiltinOperator.RELU_N1_TO_1, BuiltinOperator.RELU6, BuiltinOperator.SOFTMAX,
  BuiltinOperator.TANH, BuiltinOperator.MEAN, BuiltinOperator.SUB, BuiltinOperator.LOG_SOFTMAX, BuiltinOperator.PRELU,
  BuiltinOperator.TRANSPOSE_CONV, BuiltinOperator.SUM, BuiltinOperator.LEAKY_RELU, BuiltinOperator.SQUARED_DIFFERENCE,
  BuiltinOperator.HARD_SWISH, BuiltinOperator.BATCH_MATMUL,
]);
const EIGHT_BIT = new Set<number>([TensorType.UINT8, TensorType.INT8]);

export const scaled8bit: SubgraphRule = {
  name: 'scaled8bit',
  check: (_graph, sg) => {
    for (let o = 0; o < sg.operators.length; o++) {
      const op = sg.operators[o];
      if (!SCALED_8BIT_OPS.has(op.code)) continue;
      const { inputs, outputs } = op;
      for (let k = 0; k < inputs.length + outputs.length; k++) {
        const t = k < inputs.length ? inputs[k] : outputs[k - inputs.length];
        const tensor = t >= 0 ? sg.tensors[t] : undefined;
        if (tensor && EIGHT_BIT.has(tensor.type) && !(tensor.firstScale > 0)) {
          return `tensor ${t}${sg.where} is ${tensor.type === TensorType.INT8 ? 'int8' : 'uint8'} without a ` +
            `quantization scale, which ${opName(op.code)} needs for 8-bit tensors`;
        }
      }
    }
    return null;
  },
};

// ---- executionOrder ----------------------------------------------------------------------------------------------
// An operator reading a tensor that a later operator (or itself) computes: TFLite runs operators in stored order and
// never checks; its delegate partitioner and XNNPACK crash. An operator or a subgraph output reading a tensor that
// nothing ever writes (not an input, constant, variable or result, and not empty): string kernels, WHILE and IF
// dereference its missing buffer. Reproducer: hostile.selfLoop (ADD reads its own output).
export const executionOrder: SubgraphRule = {
  name: 'executionOrder',
  check: (graph, sg) => {
    const producer = new Map<number, number>();
    sg.operators.forEach((op, o) => op.outputs.forEach((t) => producer.set(t, o)));
    const isInput = new Set(sg.inputs);
    const unwritten = (t: number) => !producer.has(t) && !isInput.has(t) && !isConstant(graph, sg, t) &&
      !sg.tensors[t].isVariable && !hasZeroDim(sg, t);
    for (let o = 0; o < sg.operators.length; o++) {
      const inputs = sg.operators[o].inputs;
      for (let p = 0; p < inputs.length; p++) {
        const t = inputs[p];
        if (t < 0) continue;
        const from = producer.get(t);
        if (from !== undefined && from >= o) {
          return `operator ${o}${sg.where} reads tensor ${t} before ${from === o ? 'it computes it itself' : `operator ${from} computes it`}`;
        }
        if (unwritten(t)) {
          return `operator ${o}${sg.where} reads tensor ${t}, which is not an input, a constant, a variable or computed ` +
            'by an operator';
        }
      }
    }
    for (const t of sg.outputs) {
      if (unwritten(t)) return `subgraph ${sg.index} output ${t} is not an input, a constant, a variable or computed by an operator`;
    }
    return null;
  },
};

// ---- deadOutputs (not a refusal: runs the model without XNNPACK) -------------------------------------------------
// An operator whose outputs nothing uses (dead code, which converters remove): XNNPACK (2024-11) drops such a node
// while optimizing, then aborts the process on the node that fed it ("Node has no consumers").
// Reproducer: xnnpackHazards.deadOperator (add_mul.tflite's MUL reads the input instead of ADD's output).
export const deadOutputs: SubgraphRule = {
  name: 'deadOutputs',
  check: (_graph, sg, report) => {
    if (report.xnnpackHazard !== null) return null;
    const used = new Set<number>(sg.outputs);
    for (const op of sg.operators) for (const t of op.inputs) used.add(t);
    for (let o = 0; o < sg.operators.length; o++) {
      const op = sg.operators[o];
      if (op.outputs.length > 0 && !op.outputs.some((t) => used.has(t))) {
        report.xnnpackHazard = `operator ${o}${sg.where} (${opName(op.code)}) computes outputs nothing uses; XNNPACK ` +
          'aborts the process on such graphs, so the model runs without it';
        return null;
      }
    }
    return null;
  },
};

// ---- readVariableSize --------------------------------------------------------------------------------------------
// READ_VARIABLE declaring more elements (or another type) than any value assigned to that variable: the kernel
// copies as many bytes as its output declares out of the variable's buffer (a 185 KB over-read of an 8-byte
// buffer). Variables are keyed by VAR_HANDLE's container/shared_name across subgraphs.
// Reproducer: hostile.readVariableOverread.
export const readVariableSize: ModelRule = {
  name: 'readVariableSize',
  check: (graph) => {
    const variables = new Map<string, { assigned: { elements: number; type: number }[];
      reads: { elements: number; type: number; where: string }[] }>();
    const variable = (key: string) => {
      let entry = variables.get(key);
      if (!entry) variables.set(key, entry = { assigned: [], reads: [] });
      return entry;
    };
    for (const sg of graph.subgraphs) {
      // static element counts (-1 in the signature: dynamic, not compared)
      const elementsOf = (t: number): number | null =>
        dynamic(sg.tensors[t]) ? null : sg.tensors[t].shape.reduce((a, b) => a * b, 1);
      const handles = new Map<number, string>();
      for (let o = 0; o < sg.operators.length; o++) {
        const op = sg.operators[o];
        const ins = op.inputs;
        const outs = op.outputs;
        if (op.code === BuiltinOperator.VAR_HANDLE && outs.length === 1) {
          const o = options(op, BuiltinOptions.VarHandleOptions);
          handles.set(outs[0], `${o?.string(FIELDS.VarHandleOptions.container) ?? ''}/` +
            `${o?.string(FIELDS.VarHandleOptions.sharedName) ?? ''}`);
        } else if (op.code === BuiltinOperator.ASSIGN_VARIABLE && ins.length === 2 && handles.has(ins[0]) && ins[1] >= 0) {
          const elements = elementsOf(ins[1]);
          if (elements !== null) variable(handles.get(ins[0])!).assigned.push({ elements, type: sg.tensors[ins[1]].type });
        } else if (op.code === BuiltinOperator.READ_VARIABLE && ins.length === 1 && outs.length === 1 && handles.has(ins[0])) {
          const elements = elementsOf(outs[0]);
          if (elements !== null) {
            variable(handles.get(ins[0])!).reads.push({ elements, type: sg.tensors[outs[0]].type,
              where: `operator ${o}${sg.where}` });
          }
        }
      }
    }
    for (const [name, { assigned, reads }] of variables) {
      for (const read of reads) {
        const bad = assigned.find((a) => a.type !== read.type || a.elements < read.elements);
        if (bad) {
          return `${read.where} (READ_VARIABLE) reads ${read.elements} ${typeName(read.type)} elements from variable ` +
            `'${name}', which is assigned ${bad.elements} ${typeName(bad.type)}`;
        }
      }
    }
    return null;
  },
};

// ---- controlFlow -------------------------------------------------------------------------------------------------
// WHILE and IF whose subgraphs do not exist, or take and return other numbers or types of tensors than the node
// passes: the kernels copy the node's tensors into the branches' inputs (and a body's outputs back) by position and
// byte for byte, without checking (heap overflow, NULL subgraph). WHILE: cond takes the node's inputs and returns
// one value; body takes and returns them. IF: both branches take the node's inputs after the condition and return
// its outputs. Reproducer: hostile.whileMissingSubgraph (loop.tflite's cond subgraph index 9).
export const controlFlow: ModelRule = {
  name: 'controlFlow',
  check: (graph) => {
    const { subgraphs } = graph;
    for (const sg of subgraphs) {
      for (let o = 0; o < sg.operators.length; o++) {
        const op = sg.operators[o];
        if (op.code !== BuiltinOperator.WHILE && op.code !== BuiltinOperator.IF) continue;
        const isWhile = op.code === BuiltinOperator.WHILE;
        const where = `operator ${o} (${opName(op.code)}) of subgraph ${sg.index}`;
        let branches: number[];
        if (isWhile) {
          const o = options(op, BuiltinOptions.WhileOptions);
          if (!o) return `${where} lacks its options`;
          branches = [o.int32(FIELDS.WhileOptions.condSubgraphIndex), o.int32(FIELDS.WhileOptions.bodySubgraphIndex)];
        } else {
          const o = options(op, BuiltinOptions.IfOptions);
          if (!o) return `${where} lacks its options`;
          branches = [o.int32(FIELDS.IfOptions.thenSubgraphIndex), o.int32(FIELDS.IfOptions.elseSubgraphIndex)];
        }
        const inputs = op.inputs.length;
        const outputs = op.outputs.length;
        for (const b of branches) {
          if (b < 0 || b >= subgraphs.length || b === sg.index) return `${where} names subgraph ${b}`;
        }
        if (isWhile && inputs !== outputs) return `${where} has ${inputs} inputs but ${outputs} outputs`;
        const want = isWhile ? [[inputs, 1], [inputs, inputs]] : [[inputs - 1, outputs], [inputs - 1, outputs]];
        for (let k = 0; k < 2; k++) {
          const branch = subgraphs[branches[k]];
          const [bi, bo] = [branch.inputs.length, branch.outputs.length];
          if (bi !== want[k][0] || bo !== want[k][1]) {
            return `${where}: subgraph ${branches[k]} takes ${bi} and returns ${bo} tensors; the node needs ${want[k][0]} ` +
              `and ${want[k][1]}`;
          }
        }
        const nodeTypes = op.inputs.map((t) => (t >= 0 ? sg.tensors[t].type : -1)).slice(isWhile ? 0 : 1);
        const outTypes = op.outputs.map((t) => sg.tensors[t].type);
        const typesOf = (b: number, list: 'inputs' | 'outputs') =>
          subgraphs[b][list].map((t) => subgraphs[b].tensors[t].type);
        const mismatch = (a: number[], b: number[]) => a.some((type, i) => type !== b[i]);
        if (branches.some((b) => mismatch(nodeTypes, typesOf(b, 'inputs'))) ||
            mismatch(outTypes, typesOf(branches[1], 'outputs')) ||
            (isWhile && mismatch(nodeTypes, outTypes)) || (!isWhile && mismatch(outTypes, typesOf(branches[0], 'outputs')))) {
          return `${where}: the types its subgraphs take or return differ from the node's`;
        }
      }
    }
    return null;
  },
};

// ---- signatures --------------------------------------------------------------------------------------------------
// Signatures naming a subgraph or tensor that does not exist (TFLite builds a runner over a NULL subgraph), or naming
// fewer inputs or outputs than their subgraph has (TFLite counts the runner's tensors from the subgraph and reads
// past its list of names; a NULL name made std::string throw past N-API: abort). TFLite keys a signature's tensors
// by name: unnamed entries are dropped and duplicate names collapse.
// Reproducer: hostile.signatureSubgraphOutOfRange, hostile.signatureTensorOutOfRange.
export const signatures: ModelRule = {
  name: 'signatures',
  check: (graph) => {
    const { subgraphs } = graph;
    for (let k = 0; k < graph.signatures.length; k++) {
      const sig = graph.signatures[k];
      if (sig.subgraph >= subgraphs.length) continue; // reported below
      const { inputs, outputs } = subgraphs[sig.subgraph];
      const named = [sig.inputNames, sig.outputNames].map((names) => new Set(names.filter((n) => n !== null)).size);
      if (named[0] !== inputs.length || named[1] !== outputs.length) {
        return `signature ${k} names ${named[0]} inputs and ${named[1]} outputs; its subgraph ${sig.subgraph} has ` +
          `${inputs.length} and ${outputs.length}`;
      }
    }
    for (let k = 0; k < graph.signatures.length; k++) {
      const sig = graph.signatures[k];
      if (sig.subgraph >= subgraphs.length) return `signature ${k} names subgraph ${sig.subgraph}; the model has ${subgraphs.length}`;
      const count = subgraphs[sig.subgraph].tensors.length;
      const tensor = sig.tensors.find((t) => t >= count);
      if (tensor !== undefined) return `signature ${k} names tensor ${tensor} of subgraph ${sig.subgraph}, which has ${count}`;
    }
    return null;
  },
};

/** Per subgraph, in this order. */
export const SUBGRAPH_RULES: readonly SubgraphRule[] = [quantizationScales, tensorShapes, subgraphIO, operatorTensors,
  singleWriter, windowOptions, groupedConvolution, mulSameType, scaled8bit, deadOutputs, executionOrder];
/** After every subgraph's rules passed. */
export const MODEL_RULES: readonly ModelRule[] = [readVariableSize, controlFlow, signatures];
