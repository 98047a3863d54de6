/**
 * The graph checks TFLite 2.14 leaves out. TfLiteModelCreate runs the flatbuffer verifier, which proves the file is
 * well-formed (every offset in bounds) but not that the graph makes sense; InterpreterBuilder then checks some
 * indices and ignores the rest, and several kernels and XNNPACK crash the process on what slips through (found by
 * stress/fuzz-models.js; docs/SECURITY.md lists them). This walks the model's structure (never its weights) after
 * the verifier accepted it, and names the first problem:
 *   - no subgraphs at all (the verifier allows the field to be absent; InterpreterBuilder dereferences it)
 *   - subgraph inputs and outputs that are not tensors of the subgraph (TFLite reports them, then goes on with a
 *     subgraph that XNNPACK aborts on; -1 slips through unreported and crashes WHILE, RESHAPE and others)
 *   - operator inputs, outputs and intermediates out of range, and -1 ("no tensor") where the op has no optional
 *     input at that position
 *   - operator code indices out of range
 *   - a dataflow that is not a graph in execution order: a tensor written by two operators, an operator writing a
 *     subgraph input or a constant, an operator reading a tensor that a later operator (or itself) computes (TFLite
 *     runs operators in stored order and never checks; its delegate partitioner and XNNPACK crash on such graphs),
 *     and an operator or a subgraph output reading a tensor that nothing ever writes (not an input, constant,
 *     variable or result: string kernels, WHILE and IF dereference its missing buffer)
 *   - WHILE and IF whose subgraphs do not exist, or take and return other numbers or types of tensors than the node
 *     passes; subgraph inputs listed twice, or constants as inputs of a called subgraph (the kernels copy tensors by position into them
 *     without checking)
 *   - MUL whose output type differs from its inputs' (its kernel reads the inputs as the output's type)
 *   - READ_VARIABLE declaring more elements (or another type) than any value assigned to that variable (the kernel
 *     copies as many bytes as its output declares out of the variable's buffer)
 *   - tensor shapes with negative dimensions or more than 2^31 - 1 elements (TFLite's kernels count in int)
 *   - signatures naming a subgraph or tensor that does not exist (TFLite builds a runner over a null subgraph), or
 *     naming fewer inputs or outputs than their subgraph has (TFLite then reads past its list of names)
 *   - convolutions and pools without their options, with strides, dilations or filter sizes below 1 (TFLite and
 *     XNNPACK divide by them) or a padding that is neither SAME nor VALID (TFLite then computes no output size and
 *     writes past its buffers); grouped CONV_2D whose output channels do not split into the groups (division by
 *     zero in the kernel)
 *   - quantization scales that are NaN, infinite or negative, and 8-bit tensors without a scale on the ops whose
 *     quantized kernels derive multipliers from it (TFLite aborts the process in QuantizeMultiplier)
 * One more finding is not a reason to refuse the model but to run it without XNNPACK: an operator whose outputs
 * nothing uses (dead code, which converters remove). XNNPACK (2024-11) drops such a node while optimizing, then
 * aborts the process on the node that fed it ("Node has no consumers").
 * It reads through a small interface so a model given by path is checked with a few positioned reads, not read whole.
 */
import * as fs from 'fs';
import { BUILTIN_OPS } from './builtin-ops';
import { floatFromBits } from './dtype';

export interface ModelBytes {
  readonly length: number;
  u8(at: number): number;
  u16(at: number): number;
  i32(at: number): number;
}

export function bufferBytes(buffer: Uint8Array): ModelBytes {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return {
    length: buffer.byteLength,
    u8: (at) => view.getUint8(at),
    u16: (at) => view.getUint16(at, true),
    i32: (at) => view.getInt32(at, true),
  };
}

const PAGE = 64 * 1024;

/** Positioned reads of an open file, 64 KiB at a time, each page read once. */
export function fileBytes(fd: number): ModelBytes {
  const length = fs.fstatSync(fd).size;
  const pages = new Map<number, DataView>();
  // The page of the last read: the checker makes tens of thousands of reads, nearly all next to the previous one,
  // and at a process's first model this code runs unoptimized (cold start), so the common case is one compare and
  // one DataView read.
  let current = -1;
  let view: DataView = new DataView(new ArrayBuffer(0));
  const pageAt = (at: number): number => {
    const index = Math.floor(at / PAGE);
    if (index !== current) {
      let page = pages.get(index);
      if (!page) {
        const bytes = Buffer.alloc(Math.min(PAGE, length - index * PAGE));
        fs.readSync(fd, bytes, 0, bytes.length, index * PAGE);
        page = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
        pages.set(index, page);
      }
      current = index;
      view = page;
    }
    return at - index * PAGE;
  };
  const u8 = (at: number): number => {
    const offset = pageAt(at); // first: it may switch `view`
    return view.getUint8(offset);
  };
  const u16 = (at: number): number => {
    const offset = pageAt(at);
    return offset + 2 <= view.byteLength ? view.getUint16(offset, true) : u8(at) | (u8(at + 1) << 8);
  };
  return {
    length,
    u8,
    u16,
    i32: (at) => {
      const offset = pageAt(at);
      return offset + 4 <= view.byteLength ? view.getInt32(offset, true) : u16(at) | (u16(at + 2) << 16);
    },
  };
}

// One table of the flatbuffer: where it is and where its vtable is. A class rather than an object of closures per
// table, since a model has thousands of tables (tensors, operators, quantization parameters) and the first model of
// a process is checked by unoptimized code, where every closure allocated counts (cold start).
class Table {
  constructor(private readonly bytes: ModelBytes, private readonly at: number, private readonly vtable: number,
    private readonly vtableSize: number) {}

  /** The position of field i, or null when absent. The vtable was bounds-checked where the table was found. */
  field(i: number): number | null {
    if (4 + 2 * i >= this.vtableSize) return null;
    const offset = this.bytes.u16(this.vtable + 4 + 2 * i);
    return offset ? this.at + offset : null;
  }
}

// BuiltinOperator codes (TFLite 2.14 schema) whose kernels accept -1 at some input positions.
const OPTIONAL_INPUTS = new Map<number, (position: number) => boolean>([
  [3, (p) => p === 2],   // CONV_2D bias
  [4, (p) => p === 2],   // DEPTHWISE_CONV_2D bias
  [9, (p) => p === 2],   // FULLY_CONNECTED bias
  [15, (p) => p === 2],  // LSH_PROJECTION weight
  [16, (p) => p >= 1],   // LSTM: the optional weights, biases and norms
  [27, (p) => p === 3],  // SVDF bias
  [32, () => true],      // CUSTOM: the op's own kernel (or a delegate) decides
  [34, (p) => p === 2],  // PAD constant values
  [44, (p) => p >= 1],   // UNIDIRECTIONAL_SEQUENCE_LSTM
  [46, (p) => p >= 1],   // BIDIRECTIONAL_SEQUENCE_RNN (aux inputs)
  [52, (p) => p >= 1],   // BIDIRECTIONAL_SEQUENCE_LSTM
  [60, (p) => p === 2],  // PADV2 constant values
  [67, (p) => p === 3],  // TRANSPOSE_CONV bias
  [132, (p) => p === 2], // CONV_3D bias
  [141, (p) => p === 3], // CONV_3D_TRANSPOSE bias
]);

const MAX_ELEMENTS = 0x7fffffff;

// Ops whose options carry strides (and dilations or filter sizes) that kernels divide by: the BuiltinOptions union
// type they need, and the options' field numbers (Conv2DOptions, DepthwiseConv2DOptions, Pool2DOptions,
// TransposeConvOptions in the 2.14 schema). Absent options parse as all zeros.
const WINDOWED_OPS = new Map<number, { union: number; strides: number[]; atLeastOne: number[]; defaultOne: number[] }>([
  [3, { union: 1, strides: [1, 2], atLeastOne: [], defaultOne: [4, 5] }],   // CONV_2D: dilation w/h
  [4, { union: 2, strides: [1, 2], atLeastOne: [], defaultOne: [5, 6] }],   // DEPTHWISE_CONV_2D: dilation w/h
  [67, { union: 49, strides: [1, 2], atLeastOne: [], defaultOne: [] }],     // TRANSPOSE_CONV
  [1, { union: 5, strides: [1, 2], atLeastOne: [3, 4], defaultOne: [] }],   // AVERAGE_POOL_2D: filter w/h
  [17, { union: 5, strides: [1, 2], atLeastOne: [3, 4], defaultOne: [] }],  // MAX_POOL_2D
  [12, { union: 5, strides: [1, 2], atLeastOne: [3, 4], defaultOne: [] }],  // L2_POOL_2D
]);

// Ops whose uint8 / int8 kernels compute requantization multipliers from the tensors' scales in Prepare; with a
// zero scale TFLite's TFLITE_CHECKs abort the process.
const SCALED_8BIT_OPS = new Set([
  0, 1, 3, 4, 9, 11, 14, 18, 19, 20, 21, 25, 28, 40, 41, 50, 54, 67, 74, 98, 99, 117, 126,
]);
const UINT8 = 3;
const INT8 = 9;

// MUL: its 2.14.1 kernel keeps the output's declared type and evaluates by it, reading the inputs as that type
// (past their buffers when they are narrower). ADD, SUB, DIV, MAXIMUM, MINIMUM, POW, FLOOR_DIV, FLOOR_MOD and
// SQUARED_DIFFERENCE set the output's type from their inputs in Prepare, so a model declaring another output type is
// valid for them: TensorFlow's own testdata/add_quantized.bin (uint8 ADD, output declared float32) runs in TFLite and
// in Python, and was refused here until the corpus showed it (test/corpus.test.js).
const SAME_TYPE_OPS = new Set([18]);
const WHILE = 119;
const IF = 118;
const VAR_HANDLE = 142;
const READ_VARIABLE = 143;
const ASSIGN_VARIABLE = 144;

class Malformed extends Error {}

export interface GraphReport {
  /** What makes the model unusable, or null. */
  problem: string | null;
  /** Why XNNPACK must not be applied to this model, or null. */
  xnnpackHazard: string | null;
  /**
   * The primary subgraph's pools with VALID padding: their input tensor and window. XNNPACK (2024-11) sizes their
   * output as at least 1 where TFLite computes 0 (input smaller than the window) and writes past its buffers; the
   * interpreter checks the shapes TFLite computed before it keeps XNNPACK (lib/interpreter.ts).
   */
  validPools: { input: number; window: [number, number]; op: number }[];
}

/**
 * What is wrong with the model's graph. Structure the verifier would have refused (offsets out of bounds) is not
 * reported: the verifier, which has already run, owns that verdict.
 */
export function checkModelGraph(bytes: ModelBytes): GraphReport {
  const report: GraphReport = { problem: null, xnnpackHazard: null, validPools: [] };
  try {
    report.problem = check(bytes, report);
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
  }
  return report;
}

const opName = (code: number): string => BUILTIN_OPS[code] ?? `builtin ${code}`;

function check(bytes: ModelBytes, report: GraphReport): string | null {
  const len = bytes.length;
  const need = (at: number, n: number): number => {
    if (!Number.isInteger(at) || at < 0 || at + n > len) throw new Malformed();
    return at;
  };
  const u32 = (at: number): number => bytes.i32(need(at, 4)) >>> 0;
  const i32 = (at: number): number => bytes.i32(need(at, 4));

  const table = (t: number): Table => {
    const vt = t - i32(t);
    const size = bytes.u16(need(vt, 2));
    need(vt, size);
    return new Table(bytes, t, vt, size);
  };
  const deref = (at: number): number => at + u32(at);
  // A vector field: [position of element 0, length], or null when absent.
  const vector = (tbl: Table, i: number): [number, number] | null => {
    const f = tbl.field(i);
    if (f === null) return null;
    const v = deref(f);
    return [v + 4, u32(v)];
  };
  // A vector of 4-byte elements, each read by `read` at its position ([] when absent).
  const elements = <T>(tbl: Table, i: number, read: (at: number) => T): T[] => {
    const v = vector(tbl, i);
    if (!v) return [];
    const out: T[] = [];
    for (let k = 0; k < v[1]; k++) out.push(read(v[0] + 4 * k));
    return out;
  };
  const scalar = (tbl: Table, i: number, width: 1 | 4, fallback = 0): number => {
    const f = tbl.field(i);
    if (f === null) return fallback;
    return width === 1 ? bytes.u8(need(f, 1)) : u32(f);
  };
  const f32 = (at: number): number => floatFromBits(i32(at));
  const ints = (tbl: Table, i: number): number[] => elements(tbl, i, i32);
  const tables = (tbl: Table, i: number): Table[] => elements(tbl, i, (at) => table(deref(at)));

  const name = (tbl: Table): string | null => {
    const f = tbl.field(0);
    if (f === null) return null;
    const at = deref(f);
    const length = u32(at);
    need(at + 4, length);
    let text = '';
    for (let k = 0; k < length; k++) text += String.fromCharCode(bytes.u8(at + 4 + k));
    return text;
  };

  const model = table(u32(0));
  // OperatorCode: deprecated_builtin_code (byte), custom_code, version, builtin_code (int); the larger code wins.
  const codes = tables(model, 1).map((oc) => {
    const old = scalar(oc, 0, 1);
    const current = scalar(oc, 3, 4);
    return Math.max(old > 127 ? old - 256 : old, current | 0);
  });
  if (model.field(2) === null) return 'the model has no subgraphs';
  const subgraphs = tables(model, 2);
  const tensorCounts: number[] = [];
  const ioCounts: [number, number][] = [];
  const subgraphOps: { code: number; op: Table }[][] = [];
  const subgraphIO: { inputs: number[]; outputs: number[]; types: number[] }[] = [];
  // Resource variables by VAR_HANDLE shared_name (container/shared_name): what is assigned and what is read.
  const variables = new Map<string, { assigned: { elements: number; type: number }[];
    reads: { elements: number; type: number; where: string }[] }>();
  const resource = (key: string) => {
    let entry = variables.get(key);
    if (!entry) variables.set(key, entry = { assigned: [], reads: [] });
    return entry;
  };
  // Buffer 0 is the empty sentinel; a buffer with bytes (or, for models over 2 GiB, an offset) holds a constant.
  const constantBuffers = tables(model, 4).map((buffer, b) => {
    if (b === 0) return false;
    const data = vector(buffer, 0);
    const offset = buffer.field(1);
    return (data !== null && data[1] > 0) || (offset !== null && (u32(offset) > 1 || u32(offset + 4) > 0));
  });

  for (let s = 0; s < subgraphs.length; s++) {
    const sg = subgraphs[s];
    const where = subgraphs.length > 1 ? ` of subgraph ${s}` : '';
    const tensors = tables(sg, 0);
    const count = tensors.length;
    tensorCounts.push(count);
    const inRange = (index: number) => index >= 0 && index < count;

    const types: number[] = [];
    // Each tensor's first quantization scale (NaN when it has none). Every scale is checked in place, without an
    // array per tensor: a per-channel model has tens of thousands of them.
    const firstScales: number[] = [];
    const shapes: number[][] = [];
    for (let t = 0; t < count; t++) {
      types.push(scalar(tensors[t], 1, 1));
      const qf = tensors[t].field(4);
      const scaleVector = qf === null ? null : vector(table(deref(qf)), 2);
      firstScales.push(scaleVector && scaleVector[1] > 0 ? f32(scaleVector[0]) : NaN);
      for (let k = 0; scaleVector && k < scaleVector[1]; k++) {
        const x = f32(scaleVector[0] + 4 * k);
        if (!Number.isFinite(x) || x < 0) {
          return `tensor ${t}${where} has a quantization scale that is not a finite, non-negative number`;
        }
      }
      const shape = ints(tensors[t], 0);
      shapes.push(shape);
      let elements = 1;
      for (const d of shape) {
        if (d < 0) return `tensor ${t}${where} has a negative dimension in its shape [${shape}]`;
        elements *= d;
      }
      if (elements > MAX_ELEMENTS) {
        return `tensor ${t}${where} has shape [${shape}]: ${elements} elements, more than TFLite can index (2^31 - 1)`;
      }
    }
    const subgraphInputs = ints(sg, 1);
    const subgraphOutputs = ints(sg, 2);
    ioCounts.push([subgraphInputs.length, subgraphOutputs.length]);
    subgraphIO.push({ inputs: subgraphInputs, outputs: subgraphOutputs, types });
    for (const [label, list] of [['input', subgraphInputs], ['output', subgraphOutputs]] as const) {
      for (const index of list) {
        if (!inRange(index)) return `subgraph ${s} ${label} ${index} is not one of its ${count} tensors`;
      }
    }
    if (new Set(subgraphInputs).size !== subgraphInputs.length) return `subgraph ${s} lists an input twice`;
    const operators = tables(sg, 3);
    const constant = (t: number) => constantBuffers[scalar(tensors[t], 2, 4)] === true;
    const variable = (t: number) => scalar(tensors[t], 5, 1) !== 0;
    // WHILE and IF copy tensors by position into the inputs of the subgraphs they call, without checking: a
    // constant there is written. The primary subgraph's inputs are only written by the user, and a constant one is
    // refused by Tensor.set() (TensorFlow's own testdata/test_model.bin has one and TFLite runs it).
    const constInput = s > 0 ? subgraphInputs.find(constant) : undefined;
    if (constInput !== undefined) return `subgraph ${s} input ${constInput} is a constant of the model`;
    const producer = new Map<number, number>();
    const isInput = new Set(subgraphInputs);
    const used = new Set<number>(ints(sg, 2));
    // Each operator's inputs and outputs, read once (several rules below walk them).
    const opInputs = operators.map((op) => ints(op, 1));
    const opOutputs = operators.map((op) => ints(op, 2));
    for (const inputs of opInputs) for (let p = 0; p < inputs.length; p++) used.add(inputs[p]);
    const outOfRange = (o: number, label: string, list: number[]): string | null => {
      for (let p = 0; p < list.length; p++) {
        if (!inRange(list[p])) return `operator ${o}${where} ${label} ${p} is tensor ${list[p]}; the subgraph has ${count}`;
      }
      return null;
    };
    for (let o = 0; o < operators.length; o++) {
      const op = operators[o];
      const opcode = scalar(op, 0, 4);
      if (opcode >= codes.length) {
        return `operator ${o}${where} uses operator code ${opcode}; the model defines ${codes.length}`;
      }
      const code = codes[opcode];
      const optional = OPTIONAL_INPUTS.get(code);
      const inputs = opInputs[o];
      for (let p = 0; p < inputs.length; p++) {
        const index = inputs[p];
        if (index === -1) {
          if (!optional || !optional(p)) {
            return `operator ${o}${where} (${opName(code)}) has no tensor at input ${p}, which is not optional`;
          }
        } else if (!inRange(index)) {
          return `operator ${o}${where} input ${p} is tensor ${index}; the subgraph has ${count}`;
        }
      }
      const outputs = opOutputs[o];
      const badOutput = outOfRange(o, 'output', outputs) ?? outOfRange(o, 'intermediate', ints(op, 8));
      if (badOutput !== null) return badOutput;
      for (const t of outputs) {
        const other = producer.get(t);
        if (other !== undefined) return `tensor ${t}${where} is computed by both operator ${other} and operator ${o}`;
        if (isInput.has(t)) return `operator ${o}${where} (${opName(code)}) writes tensor ${t}, an input of the subgraph`;
        if (constant(t)) return `operator ${o}${where} (${opName(code)}) writes tensor ${t}, a constant of the model`;
        producer.set(t, o);
      }
      const windowed = WINDOWED_OPS.get(code);
      if (windowed) {
        const of = op.field(4);
        if (scalar(op, 3, 1) !== windowed.union || of === null) {
          return `operator ${o}${where} (${opName(code)}) lacks its options (strides)`;
        }
        const options = table(deref(of));
        const padding = scalar(options, 0, 1);
        if (padding > 1) return `operator ${o}${where} (${opName(code)}) has padding ${padding} (neither SAME nor VALID)`;
        if (s === 0 && padding === 1 && windowed.atLeastOne.length === 2 && inputs[0] >= 0) {
          const [w, h] = windowed.atLeastOne.map((f) => scalar(options, f, 4) | 0);
          report.validPools.push({ input: inputs[0], window: [h, w], op: o });
        }
        const fields = [...windowed.strides.map((f) => [f, 0]), ...windowed.atLeastOne.map((f) => [f, 0]),
          ...windowed.defaultOne.map((f) => [f, 1])];
        for (const [field, fallback] of fields) {
          const value = scalar(options, field, 4, fallback) | 0;
          if (value < 1) return `operator ${o}${where} (${opName(code)}) has a stride, dilation or filter size of ${value}`;
        }
      }
      if (code === 3 && inputs.length >= 2 && inputs[0] >= 0 && inputs[1] >= 0) {
        // CONV_2D: input [N,H,W,C], filter [O,KH,KW,I]; C / I groups, each with O / groups output channels.
        const input = shapes[inputs[0]];
        const filter = shapes[inputs[1]];
        if (input.length === 4 && filter.length === 4 && filter[3] > 0 && input[3] !== filter[3]) {
          const groups = input[3] / filter[3];
          if (!Number.isInteger(groups) || filter[0] % groups !== 0) {
            return `operator ${o}${where} (CONV_2D) has ${input[3]} input channels and a filter of ${filter[3]}, ` +
              `${filter[0]} outputs: not a whole number of groups`;
          }
        }
      }
      if (SAME_TYPE_OPS.has(code) && outputs.length > 0) {
        const expected = types[outputs[0]];
        const other = inputs.find((t) => t >= 0 && types[t] !== expected);
        if (other !== undefined) {
          return `operator ${o}${where} (${opName(code)}) mixes types: input tensor ${other} is type ${types[other]}, ` +
            `its output type ${expected}`;
        }
      }
      if (SCALED_8BIT_OPS.has(code)) {
        for (let k = 0; k < inputs.length + outputs.length; k++) {
          const t = k < inputs.length ? inputs[k] : outputs[k - inputs.length];
          if (t >= 0 && (types[t] === UINT8 || types[t] === INT8) && !(firstScales[t] > 0)) {
            return `tensor ${t}${where} is ${types[t] === INT8 ? 'int8' : 'uint8'} without a quantization scale, ` +
              `which ${opName(code)} needs for 8-bit tensors`;
          }
        }
      }
      if (report.xnnpackHazard === null && outputs.length > 0 && !outputs.some((t) => used.has(t))) {
        report.xnnpackHazard = `operator ${o}${where} (${opName(code)}) computes outputs nothing uses; XNNPACK ` +
          'aborts the process on such graphs, so the model runs without it';
      }
    }
    for (let o = 0; o < operators.length; o++) {
      const inputs = opInputs[o];
      for (let p = 0; p < inputs.length; p++) {
        const t = inputs[p];
        if (t < 0) continue;
        const from = producer.get(t);
        if (from !== undefined && from >= o) {
          return `operator ${o}${where} reads tensor ${t} before ${from === o ? 'it computes it itself' : `operator ${from} computes it`}`;
        }
        const empty = shapes[t].some((d) => d === 0);
        if (from === undefined && !isInput.has(t) && !constant(t) && !variable(t) && !empty) {
          return `operator ${o}${where} reads tensor ${t}, which is not an input, a constant, a variable or computed ` +
            'by an operator';
        }
      }
    }
    for (const t of subgraphOutputs) {
      const empty = shapes[t].some((d) => d === 0);
      if (!producer.has(t) && !isInput.has(t) && !constant(t) && !variable(t) && !empty) {
        return `subgraph ${s} output ${t} is not an input, a constant, a variable or computed by an operator`;
      }
    }
    subgraphOps.push(operators.map((op) => ({ code: codes[scalar(op, 0, 4)], op })));
    // static element counts (-1 in the signature: dynamic, not compared)
    const elementsOf = (t: number): number | null => {
      const signature = ints(tensors[t], 7);
      if (signature.some((d) => d < 0)) return null;
      return shapes[t].reduce((a, b) => a * b, 1);
    };
    const handles = new Map<number, string>();
    for (let o = 0; o < operators.length; o++) {
      const code = codes[scalar(operators[o], 0, 4)];
      const ins = opInputs[o];
      const outs = opOutputs[o];
      if (code === VAR_HANDLE && outs.length === 1) {
        const of = operators[o].field(4);
        const options = of !== null && scalar(operators[o], 3, 1) === 111 ? table(deref(of)) : null;
        const str = (field: number) => {
          const f = options?.field(field);
          if (f === null || f === undefined) return '';
          const at = deref(f);
          const length = u32(at);
          need(at + 4, length);
          let text = '';
          for (let k = 0; k < length; k++) text += String.fromCharCode(bytes.u8(at + 4 + k));
          return text;
        };
        handles.set(outs[0], `${str(0)}/${str(1)}`);
      } else if (code === ASSIGN_VARIABLE && ins.length === 2 && handles.has(ins[0]) && ins[1] >= 0) {
        const elements = elementsOf(ins[1]);
        if (elements !== null) resource(handles.get(ins[0])!).assigned.push({ elements, type: types[ins[1]] });
      } else if (code === READ_VARIABLE && ins.length === 1 && outs.length === 1 && handles.has(ins[0])) {
        const elements = elementsOf(outs[0]);
        if (elements !== null) {
          resource(handles.get(ins[0])!).reads.push({ elements, type: types[outs[0]], where: `operator ${o}${where}` });
        }
      }
    }
  }

  for (const [name, { assigned, reads }] of variables) {
    for (const read of reads) {
      const bad = assigned.find((a) => a.type !== read.type || a.elements < read.elements);
      if (bad) {
        return `${read.where} (READ_VARIABLE) reads ${read.elements} elements of type ${read.type} from variable ` +
          `'${name}', which is assigned ${bad.elements} of type ${bad.type}`;
      }
    }
  }

  // WHILE: cond takes the node's inputs and returns one value; body takes and returns them. IF: both branches take
  // the node's inputs after the condition and return its outputs.
  for (let s = 0; s < subgraphOps.length; s++) {
    for (let o = 0; o < subgraphOps[s].length; o++) {
      const { code, op } = subgraphOps[s][o];
      if (code !== WHILE && code !== IF) continue;
      const where = `operator ${o} (${opName(code)}) of subgraph ${s}`;
      const of = op.field(4);
      if (scalar(op, 3, 1) !== (code === WHILE ? 93 : 92) || of === null) return `${where} lacks its options`;
      const options = table(deref(of));
      const branches = [scalar(options, 0, 4, 0) | 0, scalar(options, 1, 4, 0) | 0];
      const inputs = ints(op, 1).length;
      const outputs = ints(op, 2).length;
      for (const b of branches) {
        if (b < 0 || b >= subgraphs.length || b === s) return `${where} names subgraph ${b}`;
      }
      const want = code === WHILE
        ? [[inputs, 1], [inputs, inputs]]
        : [[inputs - 1, outputs], [inputs - 1, outputs]];
      if (code === WHILE && inputs !== outputs) return `${where} has ${inputs} inputs but ${outputs} outputs`;
      for (let k = 0; k < 2; k++) {
        const [bi, bo] = ioCounts[branches[k]];
        if (bi !== want[k][0] || bo !== want[k][1]) {
          return `${where}: subgraph ${branches[k]} takes ${bi} and returns ${bo} tensors; the node needs ${want[k][0]} ` +
            `and ${want[k][1]}`;
        }
      }
      // the kernels copy the node's tensors into the branches' inputs (and a body's outputs back) byte for byte
      const nodeTypes = ints(op, 1).map((t) => (t >= 0 ? subgraphIO[s].types[t] : -1)).slice(code === IF ? 1 : 0);
      const outTypes = ints(op, 2).map((t) => subgraphIO[s].types[t]);
      const typesOf = (b: number, list: 'inputs' | 'outputs') => subgraphIO[b][list].map((t) => subgraphIO[b].types[t]);
      const mismatch = (a: number[], b: number[]) => a.some((type, i) => type !== b[i]);
      if (branches.some((b) => mismatch(nodeTypes, typesOf(b, 'inputs'))) ||
          mismatch(outTypes, typesOf(branches[1], 'outputs')) ||
          (code === WHILE && mismatch(nodeTypes, outTypes)) || (code === IF && mismatch(outTypes, typesOf(branches[0], 'outputs')))) {
        return `${where}: the types its subgraphs take or return differ from the node's`;
      }
    }
  }

  const signatures = tables(model, 7);
  for (let k = 0; k < signatures.length; k++) {
    const index = scalar(signatures[k], 4, 4);
    if (index >= subgraphs.length) continue; // reported below
    const [inputs, outputs] = ioCounts[index];
    // TFLite keys a signature's tensors by name: unnamed entries are dropped and duplicate names collapse.
    const named = [0, 1].map((field) => new Set(tables(signatures[k], field).map(name).filter((n) => n !== null)).size);
    if (named[0] !== inputs || named[1] !== outputs) {
      return `signature ${k} names ${named[0]} inputs and ${named[1]} outputs; its subgraph ${index} has ${inputs} and ` +
        `${outputs}`;
    }
  }
  for (let k = 0; k < signatures.length; k++) {
    const sig = signatures[k];
    const index = scalar(sig, 4, 4);
    if (index >= subgraphs.length) {
      return `signature ${k} names subgraph ${index}; the model has ${subgraphs.length}`;
    }
    for (const io of [...tables(sig, 0), ...tables(sig, 1)]) {
      const tensor = scalar(io, 1, 4);
      if (tensor >= tensorCounts[index]) {
        return `signature ${k} names tensor ${tensor} of subgraph ${index}, which has ${tensorCounts[index]}`;
      }
    }
  }
  return null;
}
