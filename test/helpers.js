// Shared by the test files: fixture paths, expected values from test/fixtures/expected.json, and comparisons.
'use strict';
const path = require('path');

const fixtures = path.join(__dirname, 'fixtures');
const expected = require('./fixtures/expected.json');

const fixture = (name) => path.join(fixtures, name);

/** Expected values as the TypedArray/strings the API returns (int64 arrive as decimal strings in JSON). */
function typed(dtype, values) {
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

/** Asserts `actual` equals `wanted` exactly, or within `tolerance` for floats. */
function expectValues(actual, wanted, tolerance = 0) {
  expect(actual.length).toBe(wanted.length);
  if (tolerance === 0 || typeof wanted[0] !== 'number') {
    expect(Array.from(actual)).toEqual(Array.from(wanted));
    return;
  }
  for (let i = 0; i < wanted.length; i++) expect(Math.abs(actual[i] - wanted[i])).toBeLessThanOrEqual(tolerance);
}

/** Runs `fn` and returns the error it throws (fails the test if it does not throw). */
function caught(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

async function rejected(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/**
 * Whether the optional image decoder `sharp` loads here. It is a dev dependency only, and current sharp needs
 * Node >= 20.9: under Debian's Node 18 (the ARM roots of scripts/test-arm.sh) the image tests are skipped.
 * A function, asked once: only the files with image tests load sharp, not every file that requires these helpers.
 */
let sharpLoaded;
function sharpLoads() {
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
function until(predicate, what = 'a condition', ms = 20000, everyMs = 5) {
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

module.exports = { fixtures, fixture, expected, typed, expectValues, caught, rejected, sharpLoads, until };
