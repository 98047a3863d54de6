// --input: which file goes to which input, and reading .npy, .json (or inline JSON) and images into tensor values.
import * as fs from 'fs';
import * as path from 'path';
import type { Tensor } from '../index';
import { dtypeByName, integerRange, type DType, type TypedArray } from '../dtype';
import type { NormalizationOptions } from '../index';
import { CliError, EXIT, shape as fmtShape, formatFloat32, messageOf, readUserFile } from './common';
import { parseNpy } from './npy';

/** What an input tensor (of the interpreter or a signature runner) tells the readers. */
export type InputTensor = Pick<Tensor, 'name' | 'dtype' | 'shape' | 'shapeSignature' | 'quantization'>;

/** One --input read for a tensor: values for set() (or quantize()), their shape, and a note for people. */
export interface InputValue {
  values: TypedArray | unknown[];
  shape: number[];
  note?: string;
  quantize?: boolean;
}

/** The part of the optional peer sharp the image reader uses (typed here: sharp need not be installed). */
interface SharpImage {
  resize(width: number, height: number, options: { fit: string }): SharpImage;
  grayscale(): SharpImage;
  removeAlpha(): SharpImage;
  ensureAlpha(): SharpImage;
  raw(): SharpImage;
  toBuffer(): Promise<Buffer>;
}
type Sharp = (input: Buffer) => SharpImage;

/** The image flags of run and bench. */
export interface ImageOptions {
  mean?: number[];
  std?: number[];
  fit?: 'cover' | 'fill';
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

/**
 * Pairs each --input with an input name. `name=source` names one ("name" must be an input's name); anything else
 * is positional and fills the unnamed inputs in order. Every input must get exactly one source.
 */
export function assignInputs(specs: readonly string[], names: readonly string[]): { name: string; source: string }[] {
  const byName = new Map<string, string>();
  const positional: string[] = [];
  for (const spec of specs) {
    const at = spec.indexOf('=');
    const name = at > 0 ? spec.slice(0, at) : null;
    if (name !== null && names.includes(name)) {
      if (byName.has(name)) throw new CliError(`input '${name}' is given twice`, EXIT.USAGE);
      byName.set(name, spec.slice(at + 1));
    } else if (name !== null && !fs.existsSync(spec) && !spec.trimStart().startsWith('[')) {
      throw new CliError(`the model has no input named '${name}'; its inputs are: ${names.join(', ')}`, EXIT.USAGE);
    } else {
      positional.push(spec);
    }
  }
  const unnamed = names.filter((n) => !byName.has(n));
  if (positional.length > unnamed.length) {
    throw new CliError(`${specs.length} inputs given, the model has ${names.length} (${names.join(', ')})`, EXIT.USAGE);
  }
  positional.forEach((source, i) => byName.set(unnamed[i]!, source));
  const missing = names.filter((n) => !byName.has(n));
  if (missing.length > 0) {
    throw new CliError(`no --input for ${missing.map((n) => `'${n}'`).join(', ')}: the model's inputs are ` +
      `${names.join(', ')} (give each as --input NAME=FILE)`, EXIT.USAGE);
  }
  return names.map((name) => ({ name, source: byName.get(name)! }));
}

/** Numbers into a fresh array of the dtype's kind (lib/dtype's table). */
function numbersAs(dtype: DType, leaves: readonly unknown[]): TypedArray {
  const out = new (dtypeByName(dtype)!.array)(leaves.length);
  for (let i = 0; i < leaves.length; i++) out[i] = leaves[i] as number;
  return out;
}

// What an input file may hold. JSON is parsed into one string first (V8's strings stop short of 512 MiB); .npy holds
// raw tensor bytes up to what one read returns.
const MAX_JSON_BYTES = 256 * 1024 * 1024;
const MAX_NPY_BYTES = 0x7fffffff;
const MAX_IMAGE_BYTES = 256 * 1024 * 1024;

/** No tensor has more dimensions than this (TFLite's kernels stop at 6; reshapes allow a few more). */
const MAX_JSON_DEPTH = 16;

/** The shape of a nested JSON array (rectangular), and its leaves in row-major order. */
function flattenJson(value: unknown, where: string, depth = 0): { shape: number[]; leaves: unknown[] } {
  if (!Array.isArray(value)) return { shape: [], leaves: [value] };
  if (depth >= MAX_JSON_DEPTH) {
    throw new CliError(`${where}: arrays nested deeper than ${MAX_JSON_DEPTH} levels (no tensor has that many dimensions)`);
  }
  const shape = [value.length];
  const leaves: unknown[] = [];
  let inner: number[] | undefined;
  for (const item of value) {
    const sub = flattenJson(item, where, depth + 1);
    if (inner === undefined) inner = sub.shape;
    else if (fmtShape(inner) !== fmtShape(sub.shape)) throw new CliError(`${where}: the nested arrays are ragged`);
    for (const leaf of sub.leaves) leaves.push(leaf); // not push(...): a long row overflows the argument limit
  }
  return { shape: shape.concat(inner ?? []), leaves };
}

/** JSON leaves as the tensor's dtype (int64 may be given as decimal strings; bool as true/false or 0/1). */
function jsonValues(leaves: unknown[], tensor: InputTensor, where: string): TypedArray | unknown[] {
  const dtype = tensor.dtype;
  const bad = (i: number, why: string): CliError => new CliError(`${where}: value #${i} (${JSON.stringify(leaves[i])}) ${why}`);
  if (dtype === 'string') {
    leaves.forEach((v, i) => { if (typeof v !== 'string') throw bad(i, `is not a string (input '${tensor.name}' is a string tensor)`); });
    return leaves;
  }
  if (dtype === 'int64' || dtype === 'uint64') {
    const out = dtype === 'int64' ? new BigInt64Array(leaves.length) : new BigUint64Array(leaves.length);
    leaves.forEach((v, i) => {
      const ok = (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
      if (!ok) throw bad(i, `is not an integer (give big ${dtype} values as decimal strings)`);
      const big = BigInt(v as number | string);
      if ((dtype === 'int64' ? BigInt.asIntN(64, big) : BigInt.asUintN(64, big)) !== big) throw bad(i, `does not fit ${dtype}`);
      out[i] = big;
    });
    return out;
  }
  if (dtype === 'bool') {
    return Uint8Array.from(leaves, (v, i) => {
      if (v === true || v === 1) return 1;
      if (v === false || v === 0) return 0;
      throw bad(i, 'is not a boolean');
    });
  }
  leaves.forEach((v, i) => { if (typeof v !== 'number') throw bad(i, 'is not a number'); });
  const range = integerRange(dtype);
  if (range) {
    const [lo, hi] = range;
    const q = tensor.quantization;
    leaves.forEach((v, i) => {
      if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi) {
        throw bad(i, `is not a ${dtype} integer` + (q ? ` (input '${tensor.name}' is quantized with scale ` +
          `${formatFloat32(q.scale)}, zero point ${q.zeroPoint}: give the quantized values)` : ''));
      }
    });
    return numbersAs(dtype, leaves);
  }
  if (dtype === 'float16') return leaves; // the library converts plain numbers to half floats
  if (dtype === 'complex64') return numbersAs('float32', leaves);
  if (dtype === 'float32' || dtype === 'float64') return numbersAs(dtype, leaves);
  throw new CliError(`${where}: input '${tensor.name}' is ${dtype}, which JSON input does not support`);
}

function loadJson(text: string, tensor: InputTensor, where: string): InputValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${where}: not valid JSON (${messageOf(error)})`);
  }
  const { shape, leaves } = flattenJson(parsed, where);
  const values = jsonValues(leaves, tensor, where);
  let dims = shape;
  if (tensor.dtype === 'complex64') { // interleaved [re, im, ...]: nested, the last dimension of 2 is not the tensor's
    dims = shape.length > 1 && shape[shape.length - 1] === 2 ? shape.slice(0, -1) : [leaves.length / 2];
  }
  return { values, shape: dims };
}

function loadNpy(file: string, tensor: InputTensor): InputValue {
  const { dtype, shape, data } = parseNpy(readUserFile(file, 'input file', MAX_NPY_BYTES), file);
  if (dtype !== tensor.dtype) {
    throw new CliError(`${file} holds ${dtype}, input '${tensor.name}' is ${tensor.dtype}: save it with ` +
      `x.astype(np.${tensor.dtype === 'bool' ? 'bool_' : tensor.dtype})`);
  }
  return { values: data, shape };
}

/** Which normalisation an image input gets: flags, else the model's metadata, else [0, 1]. */
export function imageNormalization(tensor: InputTensor, options: ImageOptions, metadataNormalization: NormalizationOptions | null):
    { mean: number[]; std: number[]; from: string } | null {
  if (options.mean || options.std) {
    return { mean: options.mean ?? [0], std: options.std ?? [1], from: '--mean/--std' };
  }
  if (tensor.dtype === 'uint8') return null; // raw pixels, as TFLite Support does for uint8 image inputs
  if (metadataNormalization && metadataNormalization.mean.length && metadataNormalization.std.length) {
    return { ...metadataNormalization, from: 'model metadata' };
  }
  return { mean: [0], std: [255], from: 'default, to [0,1]' };
}

async function loadImage(file: string, tensor: InputTensor, options: ImageOptions,
    metadataNormalization: NormalizationOptions | null): Promise<InputValue> {
  let sharp: Sharp;
  try {
    sharp = require('sharp') as Sharp;
  } catch {
    throw new CliError(`reading images needs the optional package 'sharp' (npm install sharp); or give ${file} ` +
      'as a .npy file');
  }
  const dims = tensor.shape;
  const nhwc = dims.length === 4 ? dims.slice(1) : dims.length === 3 ? dims : null;
  if (!nhwc || (dims.length === 4 && dims[0] !== 1) || ![1, 3, 4].includes(nhwc[2])) {
    throw new CliError(`input '${tensor.name}' has shape ${fmtShape(dims)}: an image input must be ` +
      '[1,height,width,channels] or [height,width,channels] with 1, 3 or 4 channels');
  }
  if (!['float32', 'uint8', 'int8'].includes(tensor.dtype)) {
    throw new CliError(`input '${tensor.name}' is ${tensor.dtype}: images go into float32, uint8 or int8 inputs`);
  }
  const [height, width, channels] = nhwc as [number, number, number];
  let image = sharp(readUserFile(file, 'image file', MAX_IMAGE_BYTES)).resize(width, height, { fit: options.fit ?? 'cover' });
  image = channels === 1 ? image.grayscale() : channels === 3 ? image.removeAlpha() : image.ensureAlpha();
  let pixels: Buffer;
  try {
    pixels = await image.raw().toBuffer();
  } catch (error) {
    throw new CliError(`${file}: cannot decode the image (${messageOf(error)})`);
  }
  if (pixels.length !== height * width * channels) {
    throw new CliError(`${file}: decoded to ${pixels.length} bytes, expected ${height * width * channels}`);
  }
  const norm = imageNormalization(tensor, options, metadataNormalization);
  let note = `image ${width}x${height}x${channels}`;
  if (!norm) return { values: new Uint8Array(pixels), shape: dims, note: `${note}, raw pixels` };
  const real = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const c = i % channels;
    const mean = norm.mean[norm.mean.length === 1 ? 0 : c]!;
    const std = norm.std[norm.std.length === 1 ? 0 : c]!;
    real[i] = (pixels[i]! - mean) / std;
  }
  note += `, (x - ${norm.mean.join('|')}) / ${norm.std.join('|')} (${norm.from})`;
  if (tensor.dtype === 'float32') return { values: real, shape: dims, note };
  return { values: real, shape: dims, note: `${note}, quantized`, quantize: true };
}

/** Reads one --input source for `tensor`: { values, shape, note?, quantize? }. */
export async function loadInput(source: string, tensor: InputTensor, options: ImageOptions,
    metadataNormalization: NormalizationOptions | null): Promise<InputValue> {
  if (source.trimStart().startsWith('[')) return loadJson(source, tensor, `--input ${tensor.name}`);
  if (!fs.existsSync(source)) throw new CliError(`input file not found: ${source}`);
  const extension = path.extname(source).toLowerCase();
  if (extension === '.npy') return loadNpy(source, tensor);
  if (extension === '.json') {
    return loadJson(readUserFile(source, 'JSON input file', MAX_JSON_BYTES).toString('utf8'), tensor, source);
  }
  if (IMAGE_EXTENSIONS.has(extension)) return loadImage(source, tensor, options, metadataNormalization);
  throw new CliError(`${source}: unknown input format '${extension}' (use .npy, .json, inline JSON or an image)`,
    EXIT.USAGE);
}

/**
 * Whether `fileShape` can go into the input: 'same', 'resize' (differs only where the signature has -1),
 * 'reshape' (same element count) or a CliError.
 */
export function fitShape(tensor: InputTensor, fileShape: readonly number[], where: string): 'same' | 'resize' | 'reshape' {
  const current = tensor.shape;
  const values = fileShape.reduce((a, b) => a * b, 1);
  if (fmtShape(current) === fmtShape(fileShape)) return 'same';
  const signature = tensor.shapeSignature;
  if (signature.length === fileShape.length && signature.every((d, i) => d === -1 || d === fileShape[i])) return 'resize';
  if (values === current.reduce((a, b) => a * b, 1)) return 'reshape';
  throw new CliError(`${where}: holds shape ${fmtShape(fileShape)} (${values} values); input '${tensor.name}' has shape ` +
    `${fmtShape(current)}` + (signature.includes(-1) ? ` (signature ${fmtShape(signature)})` : ''));
}
