// A reader for NumPy's .npy format (versions 1-3): magic, a Python-literal header, raw C-order data.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
import { dtypeByName, type DType, type TypedArray } from '../dtype';
import { CliError } from './common';

// NumPy descr (little-endian or byte-order-free) → TFLite dtype (whose array, from lib/dtype, holds it).
const DESCRS: Record<string, DType> = {
  '<f4': 'float32', '<f8': 'float64', '<f2': 'float16', '|i1': 'int8', '|u1': 'uint8', '<i2': 'int16',
  '<u2': 'uint16', '<i4': 'int32', '<u4': 'uint32', '<i8': 'int64', '<u8': 'uint64', '|b1': 'bool',
  '<c8': 'complex64',
};
// Single-byte types may also be written with '<', '>' or '='.
for (const code of ['i1', 'u1', 'b1']) {
  for (const order of ['<', '>', '=']) DESCRS[order + code] = DESCRS[`|${code}`]!;
}

export interface NpyArray {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

/**
 * Parses .npy bytes into { dtype, shape, data } where data is a freshly allocated TypedArray (complex64: interleaved
 * re, im). Big-endian and Fortran-order arrays, and object or structured dtypes, are refused with a hint.
 */
export function parseNpy(bytes: Buffer, file = 'the .npy file'): NpyArray {
  const fail = (why: string): never => { throw new CliError(`${file}: ${why}`); };
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY') fail('not a .npy file (bad magic)');
  const major = bytes[6];
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = bytes.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    headerLength = bytes.readUInt32LE(8);
    start = 12;
  } else {
    return fail(`unsupported .npy version ${major}`);
  }
  if (start + headerLength > bytes.length) fail('truncated header');
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLength);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return fail(`unreadable header: ${header.trim()}`);
  if (fortran === 'True') fail('the array is in Fortran order: save np.ascontiguousarray(x) instead');
  if (descr.startsWith('>')) fail(`the array is big-endian (${descr}): save x.astype(x.dtype.newbyteorder('<'))`);
  const dtype = Object.hasOwn(DESCRS, descr.replace(/^=/, '<')) ? DESCRS[descr.replace(/^=/, '<')] : undefined;
  if (!dtype) return fail(`dtype '${descr}' has no TFLite equivalent`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const { array: ArrayType, lanes } = dtypeByName(dtype)!;
  const count = shape.reduce((a, b) => a * b, 1) * lanes;
  const dataStart = start + headerLength;
  const byteLength = count * ArrayType.BYTES_PER_ELEMENT;
  if (bytes.length - dataStart < byteLength) {
    fail(`holds ${bytes.length - dataStart} data bytes, its header promises ${byteLength}`);
  }
  const data = new ArrayType(count);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + byteLength));
  return { dtype, shape, data };
}
