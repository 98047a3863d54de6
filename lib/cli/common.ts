// What the commands share: the library, errors with exit codes, interpreter options from flags, formatting.
import { Command, InvalidArgumentError } from 'commander';
import type * as Library from '../index';
import type { Delegate, InterpreterOptions, TensorDetails } from '../index';
import { readRegularFileSync } from '../file-read';

/** Exit codes (docs/CLI.md): 0 ok, 1 the work failed (model, input, delegate, inference), 2 bad usage. */
export const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2 } as const);
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line, with its exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.FAILED) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

let library: typeof Library | undefined;
/** The package itself (dist/cjs), loaded on first use so that --help works even where the addon cannot load. */
export function lib(): typeof Library {
  if (!library) {
    try {
      library = require('../index') as typeof Library;
    } catch (error) {
      const message = messageOf(error);
      const hint = /Cannot find module .*dist/.test(message) ? ' (in a source checkout, run `npm run build`)' : '';
      throw new CliError(`cannot load tflite-runtime: ${message}${hint}`);
    }
  }
  return library;
}

/** The flags addRuntimeOptions adds, as commander parses them. */
export interface RuntimeFlags {
  threads: number;
  xnnpack: 'on' | 'off';
  delegate?: string[];
  delegateOption?: Record<string, string>;
  delegateFallback?: boolean;
}

// ---- option parsers (commander's argParser: throw InvalidArgumentError → exit 2) ------------------------------

export function integer(min: number, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}, got '${value}'.`);
    }
    return n;
  };
}

export function threads(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !(n === -1 || (n >= 1 && n <= 1024))) {
    throw new InvalidArgumentError(`threads must be 1..1024 (or -1 for TFLite's default), got '${value}'.`);
  }
  return n;
}

export function numberList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  if (parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n))) {
    throw new InvalidArgumentError(`expected numbers separated by commas, got '${value}'.`);
  }
  return numbers;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function keyValue(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got '${value}'.`);
  return { ...(previous ?? {}), [value.slice(0, at)]: value.slice(at + 1) };
}

/** Adds the options that choose how the model runs (shared by inspect, run and bench). */
export function addRuntimeOptions(command: Command): Command {
  return command
    .option('-t, --threads <n>', "CPU threads for TFLite's kernels and XNNPACK (-1: TFLite's default)", threads, 1)
    .option('--xnnpack <on|off>', 'the XNNPACK delegate (on by default, as in the library)', (value: string) => {
      if (value !== 'on' && value !== 'off') throw new InvalidArgumentError(`use 'on' or 'off', got '${value}'.`);
      return value;
    }, 'on')
    .option('-d, --delegate <path>', 'an external delegate plugin library (repeatable; applied in order)', collect)
    .option('--delegate-option <key=value>', 'an option for every --delegate (repeatable)', keyValue)
    .option('--delegate-fallback', "run a delegate's nodes on the CPU when it fails to apply (default: fail)");
}

export type AddRuntimeOptions = typeof addRuntimeOptions;

/** Interpreter options from the runtime flags (loads the delegates). */
export function interpreterOptions(opts: RuntimeFlags): InterpreterOptions & { xnnpack: boolean; delegates: Delegate[] } {
  const { loadDelegate } = lib();
  const delegates = (opts.delegate ?? []).map((file) => loadDelegate(file, opts.delegateOption ?? {}));
  return {
    threads: opts.threads,
    xnnpack: opts.xnnpack !== 'off',
    delegates,
    delegateFallback: opts.delegateFallback ? 'cpu' : 'error',
  };
}

/**
 * Reads a file the user named through the library's one bounded reader: regular files only (a FIFO would hang, a
 * link to /dev/zero never ends), at most `maxBytes`; every refusal is a one-line CliError.
 */
export function readUserFile(file: string, what: string, maxBytes: number): Buffer {
  try {
    return readRegularFileSync(file, { what, maxBytes, tooLarge: 'ERR_TFLITE_SIZE' });
  } catch (error) {
    throw new CliError(messageOf(error));
  }
}

/** Reads the model file once (a clear error when it is missing, not a file, or over 2 GiB). */
export function readModelFile(file: string): Buffer {
  return readUserFile(file, 'model file', 0x7fffffff);
}

// ---- formatting ---------------------------------------------------------------------------------------------

/** The shortest decimal that reads back as the same float32 (for people; JSON gets exact doubles). */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let p = 1; p <= 9; p++) {
    const text = value.toPrecision(p);
    if (Math.fround(Number(text)) === Math.fround(value)) return String(Number(text));
  }
  return String(value);
}

export function formatMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export const shape = (dims: readonly number[]): string => `[${dims.join(',')}]`;

/** Rows of cells as aligned columns, two spaces apart, with an indent. */
export function table(rows: readonly (readonly unknown[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, String(cell).length); });
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? String(cell)
    : String(cell).padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** A tensor's quantization, for people. */
export function formatQuantization(details: Pick<TensorDetails, 'quantization' | 'quantizationParameters'>): string {
  const q = details.quantizationParameters;
  if (q.scales.length > 1) return `per-channel, ${q.scales.length} scales (axis ${q.quantizedDimension})`;
  if (details.quantization.scale === 0) return '-';
  return `scale ${formatFloat32(details.quantization.scale)}, zero point ${details.quantization.zeroPoint}`;
}

/** JSON with BigInts as decimal strings (int64 tensors), two-space indented. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
