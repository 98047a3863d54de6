// The compatibility corpus as code: its reference file, the deterministic input recipe of make_references.py
// (reproduced byte for byte, checked against each input's sha256), and the comparison of our outputs with Python's.
// Used by test/corpus.test.js and bench/ (corpus section). See test/corpus/README.md.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const dir = __dirname;
const references = JSON.parse(fs.readFileSync(path.join(dir, 'references.json'), 'utf8'));

/** Models whose file is here (committed ones always; cache ones when test/corpus/fetch-mediapipe.sh etc. ran). */
function availableModels({ committedOnly = false } = {}) {
  return references.models.filter((m) => (!committedOnly || m.committed) && fs.existsSync(path.join(dir, m.file)));
}

const modelPath = (entry) => path.join(dir, entry.file);

const INT_BITS = { int8: 8, uint8: 8, int16: 16, uint16: 16 };
const INT_MIN = { int8: -128, uint8: 0, int16: -32768, uint16: 0 };
const ARRAYS = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array,
  uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
  bool: Uint8Array,
};

/** Input k's values for `count` elements of `dtype`: make_references.py's recipe. */
function recipeValues(dtype, k, count) {
  const n = (i, M) => (i * 7919 + k * 131) % M;
  if (dtype === 'string') return Array.from({ length: count }, (_, i) => String(n(i, 1000)));
  const Array_ = ARRAYS[dtype];
  if (!Array_) throw new Error(`no input recipe for ${dtype}`);
  const out = new Array_(count);
  for (let i = 0; i < count; i++) {
    if (dtype === 'float32' || dtype === 'float64') out[i] = (2 * n(i, 1000)) / 1000 - 1;
    else if (dtype in INT_BITS) out[i] = INT_MIN[dtype] + n(i, 2 ** INT_BITS[dtype]);
    else if (dtype === 'bool') out[i] = n(i, 2) === 1 ? 1 : 0;
    else if (dtype === 'int64' || dtype === 'uint64') out[i] = BigInt(n(i, 100));
    else out[i] = n(i, 100);
  }
  return out;
}

const sha256 = (typed) => crypto.createHash('sha256')
  .update(Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength)).digest('hex');

/** Fills the interpreter's inputs by the recipe; throws when a recipe's bytes differ from what Python fed. */
function fillInputs(interpreter, entry) {
  entry.inputs.forEach((ref, k) => {
    const tensor = interpreter.input(k);
    const count = ref.shape.reduce((a, b) => a * b, 1);
    const values = recipeValues(ref.dtype, ref.recipe?.k ?? k, count);
    if (ref.dtype !== 'string' && ref.inputSha256 && sha256(values) !== ref.inputSha256) {
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
function compareOutput(actual, ref) {
  const problems = [];
  // Read in place (no Array.from): testdata/conv3d_huge_im2col.bin has an 86-million-element output.
  const values = { length: actual.length, at: (i) => Number(actual[i]) };
  if (values.length !== ref.count && !(ref.values && values.length === ref.values.length)) {
    return [`${values.length} elements, Python had ${ref.count ?? ref.values.length}`];
  }
  const integer = QUANTIZED.has(ref.dtype);
  const wanted = ref.values ?? null;
  const magnitude = Math.max(1e-6, ...(wanted ? wanted.map(Math.abs) : [Math.abs(ref.min), Math.abs(ref.max)]));
  const tolerance = integer ? 1 + (ref.maxAbsDiffVsBuiltin ?? 0) : 1e-4 * magnitude + 2 * (ref.maxAbsDiffVsBuiltin ?? 0);
  const check = (i, want) => {
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
const BUILTIN_CODES = { FULLY_CONNECTED: 9 };

/**
 * A copy of a model with every `op` operator code's stored version set to `version` (the field must be stored,
 * i.e. the model's version is not the default 1). Walks Model.operator_codes (field 1) of the flatbuffer.
 */
function withOpVersion(model, op, version) {
  const out = Buffer.from(model);
  const u32 = (at) => out.readUInt32LE(at);
  const field = (table, index) => {
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

module.exports = { references, withOpVersion, availableModels, modelPath, recipeValues, fillInputs, compareOutput };
