// The compatibility corpus as code: its reference file, the deterministic input recipe of make_references.py
// (reproduced byte for byte, checked against each input's sha256), and the comparison of our outputs with Python's.
// Used by test/corpus.test.ts and bench/ (corpus section, compiled into dist-tools/test/corpus/). See
// test/corpus/README.md. Below, the types of what the tests and bench/ read of references.json (make_references.py
// writes it).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { DType, Interpreter, TypedArray } from '../../dist/cjs';
import { ROOT } from '../../stress/lib/runtime';

/** One input of a reference model, and the recipe make_references.py filled it with. */
export interface CorpusInput {
  name: string;
  index: number;
  dtype: DType;
  shape: number[];
  shapeSignature: number[];
  recipe?: { k: number; M: number; rule: string };
  inputSha256?: string;
}

/** One output as Python's tf.lite saw it: every value (small outputs) or a summary (first 16, samples, sums). */
export interface CorpusOutput {
  name: string;
  index: number;
  dtype: DType;
  shape: number[];
  shapeSignature: number[];
  count?: number;
  values?: (number | string)[];
  sum: number;
  sumAbs: number;
  min: number;
  max: number;
  first16: number[];
  sampledPositions: number[];
  sampled: number[];
  maxAbsDiffVsBuiltin?: number;
}

/** What Python did with the model with one delegate setting. */
export interface PythonOutcome { loads: boolean; allocates: boolean; invokes: boolean }

export interface CorpusModel {
  file: string;
  source: string;
  committed: boolean;
  bytes: number;
  sha256: string;
  inputs: CorpusInput[];
  outputs: CorpusOutput[];
  signatures: unknown[];
  ops: string[];
  opCounts?: Record<string, number>;
  nodeCount?: number;
  xnnpack?: { delegateKernels: number; nodesDelegated: number; nodesRemaining: number; remainingOpCounts: Record<string, number> };
  python?: { defaultDelegates?: PythonOutcome; builtinWithoutDefaultDelegates?: PythonOutcome };
  outputsFrom?: 'defaultDelegates' | 'builtinWithoutDefaultDelegates';
  python_ms_1t?: number;
  python_ms_2t?: number;
  loadError?: string;
}

// From the package root, not __dirname: this module runs from the source tree (ts-jest) and from dist-tools/.
const dir = path.join(ROOT, 'test', 'corpus');
export const references = JSON.parse(fs.readFileSync(path.join(dir, 'references.json'), 'utf8')) as {
  generator: unknown; inputRecipe: unknown; summaryRule: unknown; models: CorpusModel[] };

/** Models whose file is here (committed ones always; cache ones when test/corpus/fetch-mediapipe.sh etc. ran). */
export function availableModels({ committedOnly = false }: { committedOnly?: boolean } = {}): CorpusModel[] {
  return references.models.filter((m) => (!committedOnly || m.committed) && fs.existsSync(path.join(dir, m.file)));
}

export const modelPath = (entry: CorpusModel): string => path.join(dir, entry.file);

const INT_BITS: Partial<Record<DType, number>> = { int8: 8, uint8: 8, int16: 16, uint16: 16 };
const INT_MIN: Partial<Record<DType, number>> = { int8: -128, uint8: 0, int16: -32768, uint16: 0 };
type TypedArrayConstructor = new (length: number) => TypedArray;
const ARRAYS: Partial<Record<DType, TypedArrayConstructor>> = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array,
  uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
  bool: Uint8Array,
};

/** Input k's values for `count` elements of `dtype`: make_references.py's recipe. */
export function recipeValues(dtype: DType, k: number, count: number): TypedArray | string[] {
  const n = (i: number, M: number): number => (i * 7919 + k * 131) % M;
  if (dtype === 'string') return Array.from({ length: count }, (_, i) => String(n(i, 1000)));
  const Array_ = ARRAYS[dtype];
  if (!Array_) throw new Error(`no input recipe for ${dtype}`);
  const out = new Array_(count);
  for (let i = 0; i < count; i++) {
    if (dtype === 'float32' || dtype === 'float64') out[i] = (2 * n(i, 1000)) / 1000 - 1;
    else if (dtype in INT_BITS) out[i] = INT_MIN[dtype]! + n(i, 2 ** INT_BITS[dtype]!);
    else if (dtype === 'bool') out[i] = n(i, 2) === 1 ? 1 : 0;
    else if (dtype === 'int64' || dtype === 'uint64') out[i] = BigInt(n(i, 100));
    else out[i] = n(i, 100);
  }
  return out;
}

const sha256 = (typed: TypedArray): string => crypto.createHash('sha256')
  .update(Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength)).digest('hex');

/** Fills the interpreter's inputs by the recipe; throws when a recipe's bytes differ from what Python fed. */
export function fillInputs(interpreter: Interpreter, entry: CorpusModel): void {
  entry.inputs.forEach((ref, k) => {
    const tensor = interpreter.input(k);
    const count = ref.shape.reduce((a, b) => a * b, 1);
    const values = recipeValues(ref.dtype, ref.recipe?.k ?? k, count);
    if (ref.dtype !== 'string' && ref.inputSha256 && sha256(values as TypedArray) !== ref.inputSha256) {
      throw new Error(`${entry.file} input ${k}: recipe bytes differ from Python's (sha256)`);
    }
    tensor.set(values);
  });
}

const QUANTIZED = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'int64', 'uint32', 'uint64', 'bool']);

/**
 * Differences between our output and Python's reference, as a list of sentences (empty when it matches): floats
 * within 1e-4 of the output's magnitude (plus the spread Python itself showed between XNNPACK and its built-in
 * kernels), integers within one quantization step.
 */
export function compareOutput(actual: ArrayLike<number | bigint | string>, ref: CorpusOutput): string[] {
  const problems: string[] = [];
  // Read in place (no Array.from): testdata/conv3d_huge_im2col.bin has an 86-million-element output.
  const values = { length: actual.length, at: (i: number) => Number(actual[i]) };
  if (values.length !== ref.count && !(ref.values && values.length === ref.values.length)) {
    return [`${values.length} elements, Python had ${ref.count ?? ref.values!.length}`];
  }
  const integer = QUANTIZED.has(ref.dtype);
  const wanted = ref.values ?? null;
  const magnitude = Math.max(1e-6, ...(wanted ? wanted.map((v) => Math.abs(v as number)) : [Math.abs(ref.min), Math.abs(ref.max)]));
  const tolerance = integer ? 1 + (ref.maxAbsDiffVsBuiltin ?? 0) : 1e-4 * magnitude + 2 * (ref.maxAbsDiffVsBuiltin ?? 0);
  const check = (i: number, want: number): void => {
    const diff = Math.abs(values.at(i) - want);
    if (!(diff <= tolerance)) problems.push(`element ${i}: ${values.at(i)} vs Python ${want} (tolerance ${tolerance})`);
  };
  if (wanted) {
    wanted.forEach((want, i) => check(i, Number(want)));
  } else {
    ref.first16.forEach((want, i) => check(i, want));
    ref.sampledPositions.forEach((at, j) => check(at, ref.sampled[j]));
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values.at(i);
    const sumTolerance = integer ? values.length : 1e-4 * Math.max(1, ref.sumAbs) + values.length * 2 * (ref.maxAbsDiffVsBuiltin ?? 0);
    if (!(Math.abs(sum - ref.sum) <= sumTolerance)) problems.push(`sum ${sum} vs Python ${ref.sum} (tolerance ${sumTolerance})`);
  }
  return problems.slice(0, 5);
}

// BuiltinOperator codes used by withOpVersion (schema.fbs).
const BUILTIN_CODES: Record<'FULLY_CONNECTED', number> = { FULLY_CONNECTED: 9 };

/**
 * A copy of a model with every `op` operator code's stored version set to `version` (the field must be stored,
 * i.e. the model's version is not the default 1). Walks Model.operator_codes (field 1) of the flatbuffer.
 */
export function withOpVersion(model: Uint8Array, op: 'FULLY_CONNECTED', version: number): Buffer {
  const out = Buffer.from(model);
  const u32 = (at: number): number => out.readUInt32LE(at);
  const field = (table: number, index: number): number => {
    const vtable = table - out.readInt32LE(table);
    const size = out.readUInt16LE(vtable);
    const at = 4 + 2 * index < size ? out.readUInt16LE(vtable + 4 + 2 * index) : 0;
    return at ? table + at : 0;
  };
  const root = u32(0);
  const codes = field(root, 1) + u32(field(root, 1));
  let changed = 0;
  for (let i = 0; i < u32(codes); i++) {
    const entry = codes + 4 + 4 * i;
    const table = entry + u32(entry);
    const builtin = field(table, 3) ? out.readInt32LE(field(table, 3)) : out.readInt8(field(table, 0));
    if (builtin !== BUILTIN_CODES[op] || !field(table, 2)) continue;
    out.writeInt32LE(version, field(table, 2));
    changed++;
  }
  if (changed === 0) throw new Error(`no stored ${op} version to change`);
  return out;
}
