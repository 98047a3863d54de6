// The test fixtures as the stress scripts use them: paths in test/fixtures, and test/fixtures/expected.json's input
// values as set() takes them. (test/helpers.ts has the same for jest; it uses jest's expect, so the tools cannot
// import it.)
import * as path from 'path';
import { ROOT } from './runtime';

export const fixture = (name: string): string => path.join(ROOT, 'test', 'fixtures', name);

/** The part of one expected.json model the stress scripts read. */
export interface ExpectedModel {
  inputs?: { dtype: string; value: unknown[] }[];
  outputs?: { dtype: string; value: unknown[] }[];
}

export const expected = require(fixture('expected.json')) as Record<string, ExpectedModel>;

const NUMBER_ARRAYS: Record<string, { from(values: ArrayLike<number>): ArrayBufferView }> = {
  float32: Float32Array, complex64: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
};

/** Expected values as set() takes them (int64 arrive as decimal strings in JSON; float16 and strings stay plain). */
export function typed(dtype: string, values: unknown[]): ArrayBufferView | unknown[] {
  if (dtype === 'bool') return Uint8Array.from(values, (v) => (v ? 1 : 0));
  if (dtype === 'int64') return BigInt64Array.from(values as string[], BigInt);
  if (dtype === 'uint64') return BigUint64Array.from(values as string[], BigInt);
  if (dtype === 'string' || dtype === 'float16') return values;
  const array = NUMBER_ARRAYS[dtype];
  if (!array) throw new Error(`no typed() for ${dtype}`);
  return array.from(values as number[]);
}
