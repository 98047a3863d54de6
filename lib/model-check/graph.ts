/**
 * The model's structure as the rules (lib/model-check/rules.ts) see it: read once, through the generated schema
 * accessors (lib/schema/tflite.ts) over the bounds-checked byte source (lib/schema/byte-source.ts). Never the
 * weights: a buffer is only asked whether it holds bytes. Options tables are read on demand by the rules that need
 * them (opOptions).
 */
import { Encoding } from 'flatbuffers';
import { BuiltinOperator, Model, Operator, OperatorCode, SubGraph, Tensor, TensorMap, QuantizationParameters,
  Buffer as FbBuffer } from '../schema/tflite';
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

const list = (length: number, at: (k: number) => number | null): number[] => {
  const out = new Array<number>(length);
  for (let k = 0; k < length; k++) out[k] = at(k) as number;
  return out;
};

export function readModelGraph(bb: CheckedByteBuffer, root: number): ModelGraph {
  const model = new Model().__init(root, bb);
  const opcode = new OperatorCode();
  const codes = list(model.operatorCodesLength(), (k) => {
    model.operatorCodes(k, opcode);
    return Math.max(opcode.deprecatedBuiltinCode(), opcode.builtinCode());
  });

  const buffer = new FbBuffer();
  // Buffer 0 is the empty sentinel.
  const constantBuffers: boolean[] = [];
  for (let b = 0, n = model.buffersLength(); b < n; b++) {
    model.buffers(b, buffer);
    constantBuffers.push(b > 0 && (buffer.dataLength() > 0 || buffer.offset() > 1n));
  }

  const hasSubgraphs = bb.__offset(root, 8) !== 0; // Model.subgraphs: subgraphsLength() cannot tell absent from []
  const count = model.subgraphsLength();
  const sg = new SubGraph();
  const tensor = new Tensor();
  const quantization = new QuantizationParameters();
  const op = new Operator();
  const subgraphs: SubgraphInfo[] = [];
  for (let s = 0; s < count; s++) {
    model.subgraphs(s, sg);
    const tensors: TensorInfo[] = [];
    for (let t = 0, n = sg.tensorsLength(); t < n; t++) {
      sg.tensors(t, tensor);
      let firstScale = NaN;
      let badScale = -1;
      if (tensor.quantization(quantization)) {
        const scales = quantization.scaleLength();
        for (let k = 0; k < scales; k++) {
          const x = quantization.scale(k) as number;
          if (k === 0) firstScale = x;
          if (badScale < 0 && !(Number.isFinite(x) && x >= 0)) badScale = k;
        }
      }
      const signature = tensor.shapeSignatureLength();
      let dynamic = false;
      for (let k = 0; k < signature; k++) if ((tensor.shapeSignature(k) as number) < 0) dynamic = true;
      tensors.push({
        type: tensor.type(),
        shape: list(tensor.shapeLength(), (k) => tensor.shape(k)),
        dynamic,
        firstScale,
        badScale,
        buffer: tensor.buffer(),
        isVariable: tensor.isVariable(),
      });
    }
    const operators: OperatorInfo[] = [];
    for (let o = 0, n = sg.operatorsLength(); o < n; o++) {
      sg.operators(o, op);
      const index = op.opcodeIndex();
      operators.push({
        opcodeIndex: index,
        code: index < codes.length ? codes[index] : -1,
        inputs: list(op.inputsLength(), (k) => op.inputs(k)),
        outputs: list(op.outputsLength(), (k) => op.outputs(k)),
        intermediates: list(op.intermediatesLength(), (k) => op.intermediates(k)),
        at: op.bb_pos,
      });
    }
    subgraphs.push({
      index: s,
      where: count > 1 ? ` of subgraph ${s}` : '',
      tensors,
      inputs: list(sg.inputsLength(), (k) => sg.inputs(k)),
      outputs: list(sg.outputsLength(), (k) => sg.outputs(k)),
      operators,
    });
  }

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
