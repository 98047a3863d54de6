// `tflite-runtime bench MODEL`: warm-up, timed runs, median / p90 / min in ms and runs per second.
import type { Command } from 'commander';
import type { AnyTensor } from '../index';
import { dtypeByName, integerRange, type TypedArray } from '../dtype';
import {
  lib, readModelFile, interpreterOptions, integer, collect, formatMs, toJson, shape,
  type AddRuntimeOptions, type RuntimeFlags,
} from './common';
import { assignInputs, loadInput, fitShape, type ImageOptions, type InputValue } from './inputs';
import { withLibraries, type DelegateReport } from './inspect';

interface BenchFlags extends RuntimeFlags, ImageOptions {
  runs: number;
  warmup: number;
  input?: string[];
  seed: number;
  async?: boolean;
  progress?: boolean;
  json?: boolean;
}

/** What cli-progress's SingleBar does for the bench (typed here). */
interface Bar {
  start(total: number, value: number, payload: Record<string, string>): void;
  update(value: number, payload?: Record<string, string>): void;
  stop(): void;
}

/** A small seeded PRNG (mulberry32): the same inputs on every run of the benchmark. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random values for a tensor of any dtype (float in [0,1), integers over a small range: -128..127 for signed types,
 * 0..255 for unsigned ones), in the array lib/dtype gives the dtype.
 */
export function randomValues(tensor: Pick<AnyTensor, 'dtype' | 'shape' | 'byteLength'>, next: () => number):
    TypedArray | unknown[] {
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  const dtype = tensor.dtype;
  const small = (signed: boolean): number => Math.floor(next() * 256) - (signed ? 128 : 0);
  switch (dtype) {
    case 'string': return Array.from({ length: count }, () => Math.floor(next() * 1e6).toString(36));
    case 'int64': return BigInt64Array.from({ length: count }, () => BigInt(small(true)));
    case 'uint64': return BigUint64Array.from({ length: count }, () => BigInt(small(false)));
    case 'bool': return Uint8Array.from({ length: count }, () => (next() < 0.5 ? 0 : 1));
    case 'float16': return Array.from({ length: count }, () => next()); // the library converts numbers to half floats
    case 'complex128': return new Uint8Array(tensor.byteLength);
    default: break;
  }
  const info = dtypeByName(dtype);
  if (!info) return new Uint8Array(tensor.byteLength);
  const out = new info.array(count * info.lanes) as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
  const range = integerRange(dtype);
  for (let i = 0; i < out.length; i++) out[i] = range ? small(range[0] < 0) : next();
  return out;
}

/** median, p90 (nearest rank), min, max and mean of times in ms. */
export function summarize(times: readonly number[]): { median: number; p90: number; min: number; max: number; mean: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const p90 = sorted[Math.max(0, Math.ceil(0.9 * n) - 1)]!;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  return { median, p90, min: sorted[0]!, max: sorted[n - 1]!, mean };
}

/** A progress bar on stderr, for runs long enough to need one (and only on a terminal). */
function progressBar(opts: BenchFlags, total: number, estimatedMs: number): Bar | null {
  if (opts.progress === false || !process.stderr.isTTY) return null;
  if (opts.progress !== true && estimatedMs < 1000) return null;
  const { SingleBar, Presets } = require('cli-progress') as {
    SingleBar: new (options: object, preset: object) => Bar; Presets: { shades_classic: object };
  };
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'bench |{bar}| {value}/{total} runs | {median} ms median | ETA {eta_formatted}',
    clearOnComplete: true,
    hideCursor: false,
    etaBuffer: 50,
  }, Presets.shades_classic);
  bar.start(total, 0, { median: '-' });
  return bar;
}

interface BenchReport {
  model: string;
  tflite: string;
  threads: number;
  xnnpack: boolean;
  delegates: DelegateReport[];
  inputs: { name: string; dtype: string; shape: number[]; source: string }[];
  mode: 'invokeAsync' | 'invoke';
  loadMs: number;
  warmup: { runs: number; firstMs: number | null };
  runs: number;
  ms: ReturnType<typeof summarize>;
  runsPerSecond: number;
  wallMs: number;
}

async function bench(modelPath: string, opts: BenchFlags): Promise<void> {
  const { Interpreter, version } = lib();
  const bytes = readModelFile(modelPath);
  const options = interpreterOptions(opts);
  const loadStart = process.hrtime.bigint();
  const interpreter = new Interpreter(bytes, options);
  try {
    const inputs = interpreter.inputs;
    const given = opts.input ? assignInputs(opts.input, inputs.map((t) => t.name)) : null;
    const values: (InputValue | undefined)[] = [];
    for (const [i, tensor] of inputs.entries()) {
      if (!given) continue;
      const source = given[i]!.source;
      const value = await loadInput(source, tensor, opts, null);
      if (fitShape(tensor, value.shape, source) === 'resize') interpreter.resizeInput(i, value.shape);
      values[i] = value;
    }
    interpreter.allocateTensors();
    const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
    const next = random(opts.seed);
    inputs.forEach((tensor, i) => {
      const value = values[i];
      if (value?.quantize) tensor.quantize(value.values as Float32Array);
      else tensor.set((value ? value.values : randomValues(tensor, next)) as never);
    });

    const once = opts.async
      ? async () => { const t = process.hrtime.bigint(); await interpreter.invokeAsync(); return Number(process.hrtime.bigint() - t) / 1e6; }
      : async () => { const t = process.hrtime.bigint(); interpreter.invoke(); return Number(process.hrtime.bigint() - t) / 1e6; };

    const warmup: number[] = [];
    for (let i = 0; i < opts.warmup; i++) warmup.push(await once());
    const estimate = (warmup.length ? summarize(warmup).median : await once()) * opts.runs;
    const bar = progressBar(opts, opts.runs, estimate);
    const times: number[] = [];
    const benchStart = process.hrtime.bigint();
    let shown = 0;
    try {
      for (let i = 0; i < opts.runs; i++) {
        times.push(await once());
        if (!bar) continue;
        const now = Date.now();
        if (now - shown > 250) { // the median costs a sort: refresh it four times a second
          shown = now;
          bar.update(i + 1, { median: formatMs(summarize(times).median) });
        } else {
          bar.update(i + 1);
        }
      }
    } finally {
      bar?.stop();
    }
    const wallMs = Number(process.hrtime.bigint() - benchStart) / 1e6;
    const stats = summarize(times);
    const report: BenchReport = {
      model: modelPath,
      tflite: version.tflite,
      threads: opts.threads,
      xnnpack: options.xnnpack,
      delegates: withLibraries(interpreter.delegates, opts.delegate ?? []),
      inputs: inputs.map((t, i) => ({ name: t.name, dtype: t.dtype, shape: t.shape, source: given ? given[i]!.source : 'random' })),
      mode: opts.async ? 'invokeAsync' : 'invoke',
      loadMs,
      warmup: { runs: warmup.length, firstMs: warmup[0] ?? null },
      runs: times.length,
      ms: stats,
      runsPerSecond: 1000 / stats.mean,
      wallMs,
    };
    if (opts.json) {
      process.stdout.write(toJson(report) + '\n');
      return;
    }
    process.stdout.write(human(report) + '\n');
  } finally {
    interpreter.dispose();
    for (const d of options.delegates) d.dispose();
  }
}

function human(r: BenchReport): string {
  const nodes = r.delegates.map((d) => `${d.name} ${d.applied ? `${d.nodes} nodes` : 'not applied'}`).join(', ');
  const lines = [
    `model     ${r.model} (TFLite ${r.tflite})`,
    `setup     threads ${r.threads}; delegates: ${nodes || 'none'}; load ${formatMs(r.loadMs)} ms`,
    `inputs    ${r.inputs.map((i) => `${i.name} ${i.dtype}${shape(i.shape)} ← ${i.source}`).join('; ')}`,
    `warm-up   ${r.warmup.runs} runs${r.warmup.firstMs !== null ? ` (first ${formatMs(r.warmup.firstMs)} ms)` : ''}`,
    `runs      ${r.runs} × ${r.mode}()`,
    `  median  ${formatMs(r.ms.median)} ms`,
    `  p90     ${formatMs(r.ms.p90)} ms`,
    `  min     ${formatMs(r.ms.min)} ms`,
    `  max     ${formatMs(r.ms.max)} ms`,
    `  mean    ${formatMs(r.ms.mean)} ms`,
    `          ${r.runsPerSecond >= 100 ? r.runsPerSecond.toFixed(0) : r.runsPerSecond.toFixed(1)} runs/s`,
  ];
  return lines.join('\n');
}

export function register(program: Command, addRuntimeOptions: AddRuntimeOptions): void {
  addRuntimeOptions(program.command('bench')
    .description('benchmark a model: warm-up, then timed runs; median, p90 and min in ms, and runs per second')
    .argument('<model>', 'a .tflite file')
    .option('-r, --runs <k>', 'timed runs', integer(1, 'runs'), 50)
    .option('-w, --warmup <n>', 'untimed runs first', integer(0, 'warmup'), 5)
    .option('-i, --input <[name=]source>', 'inputs as for `run` (default: seeded random values)', collect)
    .option('--seed <n>', 'seed of the random inputs', integer(0, 'seed'), 1)
    .option('--async', 'time invokeAsync() (the libuv pool round trip) instead of invoke()')
    .option('--progress', 'always show the progress bar on a terminal (default: when the runs take over 1 s)')
    .option('--no-progress', 'never show the progress bar')
    .option('--json', 'print one JSON object (for scripts)'))
    .addHelpText('after', `
Times cover invoke() only (inputs are set once). The progress bar goes to stderr, and only to a terminal.
Examples:
  $ tflite-runtime bench model.tflite --runs 200 --threads 2
  $ tflite-runtime bench model.tflite --xnnpack off --json
  $ tflite-runtime bench model.tflite --delegate ./libmy_delegate.so --delegate-option key=value`)
    .action(bench);
}
