/**
 * The model's structure as the rules (lib/model-check/rules.ts) see it: read once, by the field table generated from
 * TFLite's schema (lib/schema/tflite.ts FIELDS) over the bounds-checked byte source (lib/schema/byte-source.ts).
 * Never the weights: a buffer is only asked whether it holds bytes. Options tables are read on demand by the rules
 * that need them (options()).
 */
import { BuiltinOperator, FIELDS } from '../schema/tflite';
import { floatFromBits } from '../dtype';
import { CheckedByteBuffer, Table } from '../schema/byte-source';

const T = FIELDS.Tensor;
const Q = FIELDS.QuantizationParameters;
const S = FIELDS.SubGraph;
const O = FIELDS.Operator;
const M = FIELDS.Model;
const B = FIELDS.Buffer;
const C = FIELDS.OperatorCode;
const SIG = FIELDS.SignatureDef;
const MAP = FIELDS.TensorMap;

export interface TensorInfo {
  /** The schema's TensorType (lib/schema/tflite.ts), as stored. */
  type: number;
  shape: number[];
  /** The tensor's table (shape_signature is read only where a rule needs it: dynamic()). */
  table: Table;
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
  /** The operator's table (for its options). */
  table: Table;
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
   * name's bytes, and decoding would merge names that differ only in invalid UTF-8.
   */
  inputNames: (string | null)[];
  outputNames: (string | null)[];
  /** The tensors its inputs and outputs name. */
  tensors: number[];
}

export interface ModelGraph {
  /** Builtin code of each operator code (the larger of the deprecated byte and the int wins, as TFLite reads it). */
  codes: number[];
  /** The model stores a subgraphs vector (the verifier lets it be absent). */
  hasSubgraphs: boolean;
  subgraphs: SubgraphInfo[];
  /** Per buffer: it holds a constant (bytes, or for models over 2 GiB an offset past the flatbuffer). */
  constantBuffers: boolean[];
  signatures: SignatureInfo[];
}

function readTensor(tensor: Table): TensorInfo {
  let firstScale = NaN;
  let badScale = -1;
  const quantization = tensor.table(T.quantization);
  if (quantization !== null) {
    // a per-channel model has tens of thousands of scales: the vector's extent is checked once, by vector()
    const [first, count] = quantization.vector(Q.scale, 4);
    const source = quantization.bb.source;
    for (let k = 0; k < count; k++) {
      const x = floatFromBits(source.i32(first + 4 * k));
      if (k === 0) firstScale = x;
      if (badScale < 0 && !(Number.isFinite(x) && x >= 0)) badScale = k;
    }
  }
  return {
    type: tensor.int8(T.type),
    shape: tensor.ints(T.shape),
    table: tensor,
    firstScale,
    badScale,
    buffer: tensor.uint32(T.buffer),
    isVariable: tensor.int8(T.isVariable) !== 0,
  };
}

const hexName = (map: Table): string | null => {
  const bytes = map.bytes(MAP.name);
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
};

export function readModelGraph(bb: CheckedByteBuffer, root: number): ModelGraph {
  const model = new Table(bb, root);
  // OperatorCode: the larger of deprecated_builtin_code and builtin_code wins, as TFLite reads it.
  const codes = model.tables(M.operatorCodes).map((oc) =>
    Math.max(oc.int8(C.deprecatedBuiltinCode), oc.int32(C.builtinCode)));

  // Buffer 0 is the empty sentinel; a buffer with bytes (or, for models over 2 GiB, an offset) holds a constant.
  const constantBuffers = model.tables(M.buffers).map((buffer, b) =>
    b > 0 && (buffer.vector(B.data, 1)[1] > 0 || buffer.uint64(B.offset) > 1));

  const subgraphTables = model.tables(M.subgraphs);
  const count = subgraphTables.length;
  const subgraphs: SubgraphInfo[] = subgraphTables.map((sg, s) => ({
    index: s,
    where: count > 1 ? ` of subgraph ${s}` : '',
    tensors: sg.tables(S.tensors).map(readTensor),
    inputs: sg.ints(S.inputs),
    outputs: sg.ints(S.outputs),
    operators: sg.tables(S.operators).map((op) => {
      const index = op.uint32(O.opcodeIndex);
      return {
        opcodeIndex: index,
        code: index < codes.length ? codes[index] : -1,
        inputs: op.ints(O.inputs),
        outputs: op.ints(O.outputs),
        intermediates: op.ints(O.intermediates),
        table: op,
      };
    }),
  }));

  const signatures = model.tables(M.signatureDefs).map((def) => {
    const inputs = def.tables(SIG.inputs);
    const outputs = def.tables(SIG.outputs);
    return {
      subgraph: def.uint32(SIG.subgraphIndex),
      inputNames: inputs.map(hexName),
      outputNames: outputs.map(hexName),
      tensors: [...inputs, ...outputs].map((map) => map.uint32(MAP.tensorIndex)),
    };
  });
  // subgraphs() cannot tell an absent vector from an empty one: TFLite can (rules.ts noSubgraphs)
  return { codes, hasSubgraphs: model.has(M.subgraphs), subgraphs, constantBuffers, signatures };
}

/** The tensor's shape_signature has a -1 (a dynamic dimension). */
export const dynamic = (tensor: TensorInfo): boolean => tensor.table.ints(T.shapeSignature).some((d) => d < 0);

/** An operator's builtin options table when they are of union type `type` (BuiltinOptions), else null. */
export function options(op: OperatorInfo, type: number): Table | null {
  return op.table.uint8(O.builtinOptionsType) === type ? op.table.table(O.builtinOptions) : null;
}

export const opName = (code: number): string => BuiltinOperator[code] ?? `builtin ${code}`;
