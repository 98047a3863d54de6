// Shared by the test files: fixture paths, expected values from test/fixtures/expected.json, and comparisons.
import path from 'path';
import type { DType, QuantizationParameters, TfLiteError } from '../dist/cjs';

export const fixtures = path.join(__dirname, 'fixtures');

/** One tensor of test/fixtures/expected.json (what Python's get_input_details() said, and its value). */
export interface ExpectedTensor {
  name: string;
  index: number;
  dtype: DType;
  shape: number[];
  shapeSignature: number[];
  quantization: { scale: number; zeroPoint: number };
  quantizationParameters: QuantizationParameters;
  /** Numbers (int64 as decimal strings), or strings; nested for complex64 pairs. */
  value: any[];
}
/** One signature run of expected.json: named inputs and outputs. */
export interface ExpectedRun {
  inputs: Record<string, number[]>;
  outputs: Record<string, number[]>;
}
/** One model of test/fixtures/expected.json (make_fixtures.py); the optional parts only some models have. */
export interface ExpectedModel {
  inputs: ExpectedTensor[];
  outputs: ExpectedTensor[];
  tensorCount: number;
  ops: { op: string; [field: string]: unknown }[];
  minRuntimeVersion: string;
  sizeBytes: number;
  tolerance: number;
  signatures: Record<string, { inputs: string[]; outputs: string[] }>;
  signatureRuns: Record<string, ExpectedRun>;
  signatureTensors: Record<string, { inputs: Record<string, ExpectedTensor>; outputs: Record<string, ExpectedTensor> }>;
  resized: { shape: number[]; input: any[]; output: any[]; outputShape: number[] };
  floatInput: number[];
  dequantizedOutput: number[];
  perChannel: { index: number; name: string; dtype: DType; scales: number[]; zeroPoints: number[]; quantizedDimension: number }[];
  note: string;
  expectedError: string;
  expectedErrorMentions: string[];
  flexOp: string;
}
// A JSON file read as this shape (make_fixtures.py writes it; the tests are its only reader).
export const expected: Record<string, ExpectedModel> = require('./fixtures/expected.json');

export const fixture = (name: string): string => path.join(fixtures, name);

/** Expected values as the TypedArray/strings the API returns (int64 arrive as decimal strings in JSON). */
export function typed(dtype: string, values: any[]) {
  switch (dtype) {
    case 'float32': case 'complex64': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int8': return Int8Array.from(values);
    case 'uint8': return Uint8Array.from(values);
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
    case 'int16': return Int16Array.from(values);
    case 'uint16': return Uint16Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'uint32': return Uint32Array.from(values);
    case 'int64': return BigInt64Array.from(values, BigInt);
    case 'uint64': return BigUint64Array.from(values, BigInt);
    case 'string': case 'float16': return values; // float16 is written and read as plain numbers
    default: throw new Error(`no typed() for ${dtype}`);
  }
}

/** What expectValues compares: a TypedArray, an array of numbers, bigints or strings. */
export type Values = ArrayLike<number | bigint | string>;

/** Asserts `actual` equals `wanted` exactly, or within `tolerance` for floats. */
export function expectValues(actual: Values, wanted: Values, tolerance = 0): void {
  expect(actual.length).toBe(wanted.length);
  if (tolerance === 0 || typeof wanted[0] !== 'number') {
    expect(Array.from(actual)).toEqual(Array.from(wanted));
    return;
  }
  for (let i = 0; i < wanted.length; i++) {
    expect(Math.abs((actual[i] as number) - (wanted[i] as number))).toBeLessThanOrEqual(tolerance);
  }
}

/**
 * Runs `fn` and returns the error it throws (fails the test if it does not throw), typed as this package's error
 * (or the subclass `E`, e.g. ReloadError): the tests read its `code` and `message`, and assert its class where that
 * is the point.
 */
export function caught<E extends Error = TfLiteError>(fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    return error as E;
  }
  throw new Error('expected an error');
}

/** The error `promise` rejects with (fails the test if it resolves), typed as caught()'s. */
export async function rejected<E extends Error = TfLiteError>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a rejection');
}

/**
 * A value the published types refuse, passed on purpose (the hostile-use and bad-input tests): the one cast the tests use
 * for it, so that every other argument stays checked.
 */
export const wrongType = (value: unknown): never => value as never;

/**
 * Whether the optional image decoder `sharp` loads here. It is a dev dependency only, and current sharp needs
 * Node >= 20.9: under Debian's Node 18 (the ARM roots of scripts/test-arm.sh) the image tests are skipped.
 * A function, asked once: only the files with image tests load sharp, not every file that requires these helpers.
 */
let sharpLoaded: boolean | undefined;
export function sharpLoads(): boolean {
  if (sharpLoaded === undefined) {
    try {
      require('sharp');
      sharpLoaded = true;
    } catch {
      sharpLoaded = false;
    }
  }
  return sharpLoaded;
}

/** Resolves once `predicate()` holds (polled every `everyMs`), rejects naming `what` after `ms`. */
export function until(predicate: () => unknown, what = 'a condition', ms = 20000, everyMs = 5): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, everyMs);
  });
}

/**
 * The addon's graph-check report (native/model_check_rules.cc) on a model, straight from the internal binding: the
 * report even where the library would refuse the model. Null when TFLite's verifier refuses the bytes.
 */
export function graphReport(model: Buffer | string): import('../dist/cjs/model-check').GraphReport | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { native } = require('../dist/cjs/binding') as typeof import('../dist/cjs/binding');
  let loaded;
  try {
    loaded = typeof model === 'string' ? new native.Model(model) : new native.Model(model, false);
  } catch {
    return null;
  }
  try {
    return loaded.checkGraph();
  } finally {
    loaded.dispose();
  }
}
