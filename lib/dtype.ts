/** TFLite element types and their JavaScript arrays. Mirrors native/dtype.cc (TfLiteType values pinned there). */
export type DType =
  | 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32'
  | 'int64' | 'uint64' | 'bool' | 'string' | 'complex64' | 'complex128';

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array;

/**
 * The array each dtype's `data` / `get()` is (Float16Array stays Uint16Array in the types: Node 20 has none; where a
 * runtime has one, float16 data arrives as it). bool is 0/1 bytes; complex values interleave re, im.
 */
export interface DTypeArrays {
  float32: Float32Array;
  float16: Uint16Array;
  float64: Float64Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
  string: Uint8Array;
  complex64: Float32Array;
  complex128: Float64Array;
}

/** `tensor.data` of a dtype-D tensor (a string tensor's raw bytes in TFLite's layout). */
export type ArrayOf<D extends DType> = DTypeArrays[D];

/** What `tensor.get()` copies out of a dtype-D tensor. */
export type ValueOf<D extends DType> = D extends 'string' ? string[] : DTypeArrays[D];

type ArrayConstructorLike = { new (length: number): TypedArray; BYTES_PER_ELEMENT: number; name: string };

interface DTypeInfo {
  name: DType;
  /** The array a view or copy of this dtype is. */
  array: ArrayConstructorLike;
  /** Array elements per tensor element: 2 for complex types (interleaved re, im). */
  lanes: number;
}

/** TfLiteType values (tensorflow/lite/core/c/c_api_types.h) that lib/ tests for by name. */
export const TfLiteType = { String: 5, Float16: 10 } as const;

// Indexed by TfLiteType.
const TABLE: (DTypeInfo | undefined)[] = [
  undefined, // 0 kTfLiteNoType
  { name: 'float32', array: Float32Array, lanes: 1 },
  { name: 'int32', array: Int32Array, lanes: 1 },
  { name: 'uint8', array: Uint8Array, lanes: 1 },
  { name: 'int64', array: BigInt64Array, lanes: 1 },
  { name: 'string', array: Uint8Array, lanes: 1 },
  { name: 'bool', array: Uint8Array, lanes: 1 },
  { name: 'int16', array: Int16Array, lanes: 1 },
  { name: 'complex64', array: Float32Array, lanes: 2 },
  { name: 'int8', array: Int8Array, lanes: 1 },
  { name: 'float16', array: Uint16Array, lanes: 1 },
  { name: 'float64', array: Float64Array, lanes: 1 },
  { name: 'complex128', array: Float64Array, lanes: 2 },
  { name: 'uint64', array: BigUint64Array, lanes: 1 },
  undefined, // 14 kTfLiteResource
  undefined, // 15 kTfLiteVariant
  { name: 'uint32', array: Uint32Array, lanes: 1 },
  { name: 'uint16', array: Uint16Array, lanes: 1 },
];

export function dtypeInfo(type: number): DTypeInfo {
  const info = TABLE[type];
  if (!info) return { name: `type${type}` as DType, array: Uint8Array, lanes: 1 };
  return info;
}

/** Float16Array where the runtime has one (Node 24+ with the flag, future Node); else raw Uint16Array bits. */
const Float16ArrayCtor = (globalThis as { Float16Array?: new (b: ArrayBufferLike, o: number, l: number) => unknown })
  .Float16Array;


export function presentFloat16(raw: Uint16Array): TypedArray {
  if (!Float16ArrayCtor) return raw;
  return new Float16ArrayCtor(raw.buffer, raw.byteOffset, raw.length) as TypedArray;
}

/**
 * The TypedArray kind of `value` by its internal slot (%TypedArray%.prototype's toStringTag getter), or undefined
 * for anything else: not spoofable by an own Symbol.toStringTag, and arrays from another realm (vm contexts, jest)
 * answer the same. DataViews, Proxies and array-likes are undefined.
 */
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype),
  Symbol.toStringTag)!.get! as (this: unknown) => string | undefined;
export function typedArrayKind(value: unknown): string | undefined {
  return typedArrayTag.call(value);
}

export function isAcceptedArray(dtype: DType, value: unknown): boolean {
  const info = TABLE.find((entry) => entry?.name === dtype);
  const tag = typedArrayKind(value);
  if (!info || tag === undefined) return false;
  if (tag === info.array.name) return true;
  // float16 also takes a Float16Array where one exists; bool also takes a Uint8ClampedArray.
  return (dtype === 'float16' && tag === 'Float16Array') || (dtype === 'bool' && tag === 'Uint8ClampedArray');
}

/** Converts a plain array (number[], bigint[], boolean[]) to the dtype's TypedArray; undefined if it can't. */
export function fromPlainArray(dtype: DType, values: readonly unknown[]): TypedArray | undefined {
  const info = TABLE.find((entry) => entry?.name === dtype);
  if (!info || dtype === 'string') return undefined;
  const out = new info.array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
      if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isInteger(v))) return undefined;
      const big = BigInt(v as bigint | number);
      const fits = out instanceof BigInt64Array ? BigInt.asIntN(64, big) === big : BigInt.asUintN(64, big) === big;
      if (!fits) return undefined;
      out[i] = big;
    } else if (typeof v === 'number' && dtype === 'float16') {
      out[i] = halfBits(v);
    } else if (typeof v === 'boolean' && dtype === 'bool') {
      out[i] = v ? 1 : 0;
    } else if (typeof v === 'number') {
      out[i] = v;
    } else {
      return undefined;
    }
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 whose IEEE 754 bits are `bits` (an int32 as read from a model file). */
export function floatFromBits(bits: number): number {
  u32[0] = bits;
  return f32[0];
}

/** IEEE 754 half-precision bits of `value`, rounded to nearest even. */
export function halfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf / NaN
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/** The number `bits` (IEEE 754 half-precision bits, as a float16 tensor's Uint16Array holds them) stands for. */
export function floatFromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The array a dtype's data is (as dtypeInfo's, by name), and its array elements per tensor element; undefined for an unknown name. */
export function dtypeByName(dtype: string): { array: ArrayConstructorLike; lanes: number } | undefined {
  const info = TABLE.find((entry) => entry?.name === dtype);
  return info && { array: info.array, lanes: info.lanes };
}

/** [min, max] of the integer dtypes JavaScript numbers hold (int8 … uint32); undefined for every other dtype. */
export function integerRange(dtype: string): readonly [number, number] | undefined {
  if (!['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32'].includes(dtype)) return undefined;
  const array = dtypeByName(dtype)!.array;
  const bits = 8 * array.BYTES_PER_ELEMENT;
  return array.name.startsWith('Uint') ? [0, 2 ** bits - 1] : [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}
