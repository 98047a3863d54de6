// A reader for NumPy's .npy format (versions 1-3): magic, a Python-literal header, raw C-order data.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
'use strict';
const { CliError } = require('./common');

// NumPy descr (little-endian or byte-order-free) → TFLite dtype and the array that holds it.
const DESCRS = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array], '<f2': ['float16', Uint16Array],
  '|i1': ['int8', Int8Array], '|u1': ['uint8', Uint8Array], '<i2': ['int16', Int16Array],
  '<u2': ['uint16', Uint16Array], '<i4': ['int32', Int32Array], '<u4': ['uint32', Uint32Array],
  '<i8': ['int64', BigInt64Array], '<u8': ['uint64', BigUint64Array], '|b1': ['bool', Uint8Array],
  '<c8': ['complex64', Float32Array],
};
// Single-byte types may also be written with '<', '>' or '='.
for (const code of ['i1', 'u1', 'b1']) {
  for (const order of ['<', '>', '=']) DESCRS[order + code] = DESCRS[`|${code}`];
}

/**
 * Parses .npy bytes into { dtype, shape, data } where data is a freshly allocated TypedArray (complex64: interleaved
 * re, im). Big-endian and Fortran-order arrays, and object or structured dtypes, are refused with a hint.
 */
function parseNpy(bytes, file = 'the .npy file') {
  const fail = (why) => { throw new CliError(`${file}: ${why}`); };
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY') fail('not a .npy file (bad magic)');
  const major = bytes[6];
  let headerLength;
  let start;
  if (major === 1) {
    headerLength = bytes.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    headerLength = bytes.readUInt32LE(8);
    start = 12;
  } else {
    fail(`unsupported .npy version ${major}`);
  }
  if (start + headerLength > bytes.length) fail('truncated header');
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLength);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`unreadable header: ${header.trim()}`);
  if (fortran === 'True') fail('the array is in Fortran order: save np.ascontiguousarray(x) instead');
  if (descr.startsWith('>')) fail(`the array is big-endian (${descr}): save x.astype(x.dtype.newbyteorder('<'))`);
  const type = DESCRS[descr.replace(/^=/, '<')];
  if (!type) fail(`dtype '${descr}' has no TFLite equivalent`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const [dtype, ArrayType] = type;
  const count = shape.reduce((a, b) => a * b, 1) * (dtype === 'complex64' ? 2 : 1);
  const dataStart = start + headerLength;
  const byteLength = count * ArrayType.BYTES_PER_ELEMENT;
  if (bytes.length - dataStart < byteLength) {
    fail(`holds ${bytes.length - dataStart} data bytes, its header promises ${byteLength}`);
  }
  const data = new ArrayType(count);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + byteLength));
  return { dtype, shape, data };
}

module.exports = { parseNpy };
