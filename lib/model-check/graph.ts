/**
 * The model's structure as the rules (lib/model-check/rules.ts) see it: read once, through the generated schema
 * accessors (lib/schema/tflite.ts) over the bounds-checked byte source (lib/schema/byte-source.ts). Never the
 * weights: a buffer is only asked whether it holds bytes. Options tables are read on demand by the rules that need
 * them (opOptions).
 */
import { Encoding } from 'flatbuffers';
import { BuiltinOperator, Model, Operator, TensorMap } from '../schema/tflite';
import { FIELDS } from '../schema/tflite-fields';
import { CheckedByteBuffer } from '../schema/byte-source';

export interface TensorInfo {
  /** The schema's TensorType (lib/schema/tflite.ts), as stored. */
  type: number;
  shape: number[];
  /** shape_signature has a -1 (a dynamic dimension). */
  dynamic: boolean;
  /** The first quantization scale, NaN when there is none. */
  firstScale: number;
  /** Index of a scale that is NaN, infinite or negative, or -1. */
  badScale: number;
  buffer: number;
  isVariable: boolean;
}

export interface OperatorInfo {
  /** Index into the model's operator codes, as stored (may be out of range). */
  opcodeIndex: number;
  /** The builtin code (as stored: any int), -1 when opcodeIndex is out of range (rules.ts operatorTensors refuses). */
  code: number;
  inputs: number[];
  outputs: number[];
  intermediates: number[];
  /** Where the operator's table is (for its options). */
  at: number;
}

export interface SubgraphInfo {
  index: number;
  /** ' of subgraph N' in a model with several, '' otherwise: for messages. */
  where: string;
  tensors: TensorInfo[];
  inputs: number[];
  outputs: number[];
  operators: OperatorInfo[];
}

export interface SignatureInfo {
  subgraph: number;
  /**
   * Names of inputs and outputs (null where absent) as their bytes in hex: TFLite keys a signature's tensors by the
   * name's bytes, and decoding would merge names that differ only in invalid UTF-8. And the tensors they name.
   */
  inputNames: (string | null)[];
  outputNames: (string | null)[];
  tensors: number[];
}

export interface ModelGraph {
  bb: CheckedByteBuffer;
  /** Builtin code of each operator code (the larger of the deprecated byte and the int wins, as TFLite reads it). */
  codes: number[];
  /** The model stores a subgraphs vector (the verifier lets it be absent). */
  hasSubgraphs: boolean;
  subgraphs: SubgraphInfo[];
  /** Per buffer: it holds a constant (bytes, or for models over 2 GiB an offset past the flatbuffer). */
  constantBuffers: boolean[];
  signatures: SignatureInfo[];
}

// The hot loops (every tensor, operator and buffer of the model) read through the generated field table rather than
// the generated accessor objects: an accessor looks its field up in the vtable again for every vector element, and
// the first model of a process is checked by unoptimized code (cold start), where every call counts. Every read is
// still bounds-checked (CheckedByteBuffer): a vector's extent once, then its elements.
const T = FIELDS.Tensor;
const Q = FIELDS.QuantizationParameters;
const S = FIELDS.SubGraph;
const O = FIELDS.Operator;
const M = FIELDS.Model;
const B = FIELDS.Buffer;
const C = FIELDS.OperatorCode;

/** A vector field's first element and length ([0, 0] when absent), its 4-byte elements checked in bounds. */
function vector4(bb: CheckedByteBuffer, table: number, field: number, out: [number, number]): [number, number] {
  const o = bb.__offset(table, field);
  if (o === 0) {
    out[0] = out[1] = 0;
    return out;
  }
  const start = table + o + bb.readUint32(table + o);
  const count = bb.readUint32(start);
  bb.need(start + 4, 4 * count);
  out[0] = start + 4;
  out[1] = count;
  return out;
}

const span: [number, number] = [0, 0];

function ints(bb: CheckedByteBuffer, table: number, field: number): number[] {
  const [first, count] = vector4(bb, table, field, span);
  const out = new Array<number>(count);
  for (let k = 0; k < count; k++) out[k] = bb.source.i32(first + 4 * k);
  return out;
}

/** The tables of a vector field, by position. */
function tables(bb: CheckedByteBuffer, table: number, field: number): number[] {
  const [first, count] = vector4(bb, table, field, span);
  const out = new Array<number>(count);
  for (let k = 0; k < count; k++) out[k] = bb.__indirect(first + 4 * k);
  return out;
}

function scalar8(bb: CheckedByteBuffer, table: number, field: number): number {
  const o = bb.__offset(table, field);
  return o === 0 ? 0 : bb.readInt8(table + o);
}

function scalar32(bb: CheckedByteBuffer, table: number, field: number): number {
  const o = bb.__offset(table, field);
  return o === 0 ? 0 : bb.readInt32(table + o);
}

function readTensor(bb: CheckedByteBuffer, t: number): TensorInfo {
  let firstScale = NaN;
  let badScale = -1;
  const q = bb.__offset(t, T.quantization);
  if (q !== 0) {
    const [first, count] = vector4(bb, bb.__indirect(t + q), Q.scale, span);
    for (let k = 0; k < count; k++) {
      const x = bb.readFloat32(first + 4 * k);
      if (k === 0) firstScale = x;
      if (badScale < 0 && !(Number.isFinite(x) && x >= 0)) badScale = k;
    }
  }
  const signature = ints(bb, t, T.shapeSignature);
  return {
    type: scalar8(bb, t, T.type),
    shape: ints(bb, t, T.shape),
    dynamic: signature.some((d) => d < 0),
    firstScale,
    badScale,
    buffer: scalar32(bb, t, T.buffer) >>> 0,
    isVariable: scalar8(bb, t, T.isVariable) !== 0,
  };
}

export function readModelGraph(bb: CheckedByteBuffer, root: number): ModelGraph {
  // OperatorCode: the larger of deprecated_builtin_code and builtin_code wins, as TFLite reads it.
  const codes = tables(bb, root, M.operatorCodes).map((oc) =>
    Math.max(scalar8(bb, oc, C.deprecatedBuiltinCode), scalar32(bb, oc, C.builtinCode)));

  // Buffer 0 is the empty sentinel; a buffer with bytes (or, for models over 2 GiB, an offset) holds a constant.
  const constantBuffers = tables(bb, root, M.buffers).map((buffer, b) => {
    if (b === 0) return false;
    const data = bb.__offset(buffer, B.data);
    if (data !== 0 && bb.__vector_len(buffer + data) > 0) return true;
    const offset = bb.__offset(buffer, B.offset);
    return offset !== 0 && (bb.readUint32(buffer + offset) > 1 || bb.readUint32(buffer + offset + 4) > 0);
  });

  // subgraphsLength() cannot tell an absent vector from an empty one: TFLite can (noSubgraphs)
  const hasSubgraphs = bb.__offset(root, M.subgraphs) !== 0;
  const positions = tables(bb, root, M.subgraphs);
  const count = positions.length;
  const subgraphs: SubgraphInfo[] = positions.map((sg, s) => ({
    index: s,
    where: count > 1 ? ` of subgraph ${s}` : '',
    tensors: tables(bb, sg, S.tensors).map((t) => readTensor(bb, t)),
    inputs: ints(bb, sg, S.inputs),
    outputs: ints(bb, sg, S.outputs),
    operators: tables(bb, sg, S.operators).map((op) => {
      const index = scalar32(bb, op, O.opcodeIndex) >>> 0;
      return {
        opcodeIndex: index,
        code: index < codes.length ? codes[index] : -1,
        inputs: ints(bb, op, O.inputs),
        outputs: ints(bb, op, O.outputs),
        intermediates: ints(bb, op, O.intermediates),
        at: op,
      };
    }),
  }));

  const model = new Model().__init(root, bb);
  const signatures: SignatureInfo[] = [];
  for (let k = 0, n = model.signatureDefsLength(); k < n; k++) {
    const def = model.signatureDefs(k)!;
    const names = (length: number, at: (i: number) => TensorMap) => {
      const out: (string | null)[] = [];
      for (let i = 0; i < length; i++) {
        const map = at(i);
        const name = map.name(Encoding.UTF8_BYTES) as Uint8Array | null;
        out.push(name === null ? null : Buffer.from(name.buffer, name.byteOffset, name.byteLength).toString('hex'));
        tensors.push(map.tensorIndex());
      }
      return out;
    };
    const tensors: number[] = [];
    signatures.push({
      subgraph: def.subgraphIndex(),
      inputNames: names(def.inputsLength(), (i) => def.inputs(i)!),
      outputNames: names(def.outputsLength(), (i) => def.outputs(i)!),
      tensors,
    });
  }
  return { bb, codes, hasSubgraphs, subgraphs, constantBuffers, signatures };
}

/** An operator's builtin options as the table `T` when they are of union type `type`, else null. */
export function opOptions<T extends { __init(at: number, bb: CheckedByteBuffer): T }>(graph: ModelGraph,
  operator: OperatorInfo, type: number, make: () => T): T | null {
  const op = new Operator().__init(operator.at, graph.bb);
  if (op.builtinOptionsType() !== type) return null;
  return op.builtinOptions(make()) as T | null;
}

export const opName = (code: number): string => BuiltinOperator[code] ?? `builtin ${code}`;
