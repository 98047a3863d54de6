/**
 * Checks on a call's own arguments and options, shared by every public entry point. A wrong argument is an
 * ERR_TFLITE_ARGUMENT (not an index, lookup or model error), and describing the culprit never throws itself:
 * Symbols and BigInts break template strings and JSON.stringify, Proxies and getters can throw on any read.
 */
import { TfLiteError } from './errors';

export function argumentError(message: string): TfLiteError {
  return new TfLiteError(message, 'ERR_TFLITE_ARGUMENT');
}

/** How a value reads in an error message, whatever it is. */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string': return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
      case 'symbol': return value.toString();
      case 'bigint': return `${value}n`;
      case 'function': return 'a function';
      case 'object':
        if (value === null) return 'null';
        if (Array.isArray(value)) return `[${value.slice(0, 8).map(describeValue).join(', ')}${value.length > 8 ? ', …' : ''}]`;
        if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
        return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
      default: return String(value);
    }
  } catch {
    return 'a value that cannot be read';
  }
}

/**
 * Runs `read`, which reads what a caller passed (arrays, options, nested values): a Proxy trap or getter that throws,
 * or a revoked Proxy, is the caller's ERR_TFLITE_ARGUMENT rather than whatever it threw. Our own TfLiteErrors pass.
 */
export function readingCallerValues<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof TfLiteError) throw error;
    throw argumentError(`${what} cannot be read: ${error instanceof Error ? error.message : describeValue(error)}`);
  }
}

/** An options argument: undefined means none; anything but a plain object is refused. */
export function optionsObject<T extends object>(value: T | undefined | null, what: string): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || isArrayOrRevoked(value)) {
    throw argumentError(`${what} must be an object, got ${describeValue(value)}`);
  }
  // A copy of its own properties, read once (getters and Proxy traps answer here, or fail as ERR_TFLITE_ARGUMENT).
  return readingCallerValues(what, () => ({ ...value }));
}

/** Array.isArray, where a revoked Proxy (on which it throws) counts as unusable too. */
function isArrayOrRevoked(value: object): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return true;
  }
}

/** A non-empty string argument (a path, a key, a name). */
export function stringArgument(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw argumentError(`${what} must be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

/** A position or tensor index: an integer in [0, count). */
export function isIndex(value: unknown, count: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < count;
}
