// `tflite-runtime run MODEL --input ...`: one run, outputs printed (top-k for classifiers).
import { InvalidArgumentError, type Command } from 'commander';
import type { AnyTensor, Interpreter, SignatureRunner } from '../index';
import { floatFromHalfBits } from '../dtype';
import {
  lib, readModelFile, interpreterOptions, integer, numberList, collect, shape, formatFloat32, formatMs, toJson,
  type AddRuntimeOptions, type RuntimeFlags,
} from './common';
import { assignInputs, loadInput, fitShape, type ImageOptions, type InputValue } from './inputs';
import { readMetadata, type ReadMetadata } from './inspect';

interface RunFlags extends RuntimeFlags, ImageOptions {
  input?: string[];
  signature?: string;
  topK: number;
  topKGiven: boolean;
  labels?: string;
  full?: boolean;
  json?: boolean;
}

type Plain = number | string | boolean;
interface Top { index: number; label: string | null; score: number }
interface RunResult {
  model: string;
  signature: string | null;
  invokeMs: number;
  inputs: Record<string, { source: string; shape: number[]; note?: string }>;
  outputs: Record<string, { dtype: string; shape: number[]; values: Plain[]; top?: Top[] }>;
}

/** Output values as JSON-friendly numbers / strings / booleans. */
export function plainValues(dtype: string, values: ArrayLike<number | bigint | string>): Plain[] {
  if (dtype === 'string') return values as string[];
  if (dtype === 'bool') return Array.from(values, (v) => v !== 0);
  if (dtype === 'float16' && values instanceof Uint16Array) return Array.from(values, floatFromHalfBits);
  if (dtype === 'int64' || dtype === 'uint64') return Array.from(values, (v) => v.toString());
  return Array.from(values as ArrayLike<number>);
}

/**
 * Whether to list the top classes of an output: a float or 8-bit output with exactly one dimension > 1 (e.g.
 * [1,1000]) that either matches the labels, or has scores that look like probabilities (in [0,1], summing to 1) and
 * is the model's only output. An explicit --top-k lists the top classes of any such output.
 */
export function isClassifier(tensorInfo: { dtype: string; shape: readonly number[] }, scores: ArrayLike<Plain>, outputCount: number,
    labels: readonly string[] | null, forced: boolean): boolean {
  const { dtype, shape: dims } = tensorInfo;
  if (!['float32', 'float16', 'uint8', 'int8'].includes(dtype)) return false;
  const big = dims.filter((d) => d > 1);
  if (big.length !== 1) return false;
  if (forced) return true;
  if (labels && (labels.length === big[0] || labels.length === big[0]! + 1)) return true;
  if (outputCount !== 1) return false;
  let sum = 0;
  for (const p of Array.from(scores) as number[]) {
    if (!(p >= 0 && p <= 1)) return false;
    sum += p;
  }
  return Math.abs(sum - 1) < 0.02;
}

export function topK(scores: ArrayLike<number>, k: number, labels: readonly string[] | null): Top[] {
  // A labels file with one extra first line is the classic "background" convention: class i is line i + 1.
  const offset = labels && labels.length === scores.length + 1 ? 1 : 0;
  return Array.from(scores, (score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, k)
    .map(({ index, score }) => ({ index, label: labels ? labels[index + offset] ?? null : null, score }));
}

async function run(modelPath: string, opts: RunFlags): Promise<void> {
  const { Interpreter } = lib();
  const bytes = readModelFile(modelPath);
  const options = interpreterOptions(opts);
  const interpreter = new Interpreter(bytes, options);
  try {
    await runWith(interpreter, bytes, modelPath, opts);
  } finally {
    interpreter.dispose();
    for (const d of options.delegates) d.dispose();
  }
}

async function runWith(interpreter: Interpreter, bytes: Buffer, modelPath: string, opts: RunFlags): Promise<void> {
  const signatureRunner: SignatureRunner | null = opts.signature ? interpreter.getSignatureRunner(opts.signature) : null;
  const runner: Interpreter | SignatureRunner = signatureRunner ?? interpreter;
  const named = (t: AnyTensor): [string, AnyTensor] => [t.name, t];
  const inputs = signatureRunner ? Object.entries(signatureRunner.inputs) : interpreter.inputs.map(named);
  const outputsInfo = signatureRunner ? Object.entries(signatureRunner.outputs) : interpreter.outputs.map(named);
  const meta = readMetadata(bytes, opts.labels);
  const tensorMeta = opts.signature ? null : meta.metadata?.tflite ?? null;

  const assigned = assignInputs(opts.input ?? [], inputs.map(([name]) => name));
  const loaded: { name: string; source: string; tensor: AnyTensor; value: InputValue }[] = [];
  for (const [position, { name, source }] of assigned.entries()) {
    const tensor = inputs[position]![1];
    const normalization = tensorMeta?.inputs[position]?.normalization ?? null;
    const value = await loadInput(source, tensor, opts, normalization);
    const fit = fitShape(tensor, value.shape, source.startsWith('[') ? `--input ${name}` : source);
    if (fit === 'resize') runner.resizeInput(name, value.shape);
    loaded.push({ name, source, tensor, value });
  }
  runner.allocateTensors();
  for (const { tensor, value } of loaded) {
    if (value.quantize) tensor.quantize(value.values as Float32Array);
    else tensor.set(value.values as never);
  }
  const started = process.hrtime.bigint();
  runner.invoke();
  const invokeMs = Number(process.hrtime.bigint() - started) / 1e6;

  const k = opts.topK;
  const result: RunResult = { model: modelPath, signature: opts.signature ?? null, invokeMs, inputs: {}, outputs: {} };
  for (const { name, source, tensor, value } of loaded) {
    result.inputs[name] = { source: source.startsWith('[') ? 'inline JSON' : source, shape: tensor.shape,
      ...(value.note ? { note: value.note } : {}) };
  }
  for (const [name, tensor] of outputsInfo) {
    const raw = tensor.get() as ArrayLike<number | bigint | string>;
    const entry: RunResult['outputs'][string] = { dtype: tensor.dtype, shape: tensor.shape, values: plainValues(tensor.dtype, raw) };
    if (k > 0) {
      const scores: ArrayLike<number> = tensor.quantization && tensor.dtype !== 'float32' && tensor.dtype !== 'float16'
        ? tensor.dequantize() : entry.values as number[];
      if (isClassifier(tensor, scores, outputsInfo.length, meta.labels, opts.topKGiven)) {
        const fits = meta.labels && (meta.labels.length === scores.length || meta.labels.length === scores.length + 1);
        if (meta.labels && !fits) {
          process.stderr.write(`tflite-runtime: warning: ${meta.labels.length} labels (from ${meta.labelsFrom}), but ` +
            `output '${name}' has ${scores.length} classes: labels not used\n`);
        }
        entry.top = topK(scores, k, fits ? meta.labels : null);
      }
    }
    result.outputs[name] = entry;
  }
  if (opts.json) {
    process.stdout.write(toJson(result) + '\n');
    return;
  }
  process.stdout.write(human(result, opts, meta) + '\n');
}

function formatValue(dtype: string, v: Plain): string {
  if (typeof v === 'number' && (dtype === 'float32' || dtype === 'float16' || dtype === 'complex64')) return formatFloat32(v);
  if (typeof v === 'string' && dtype === 'string') return JSON.stringify(v);
  return String(v);
}

function human(result: RunResult, opts: RunFlags, meta: ReadMetadata): string {
  const out: string[] = [];
  for (const [name, input] of Object.entries(result.inputs)) {
    out.push(`input  ${name} ${shape(input.shape)} ← ${input.source}${input.note ? ` (${input.note})` : ''}`);
  }
  out.push(`invoke ${formatMs(result.invokeMs)} ms`);
  const limit = opts.full ? Infinity : 32;
  for (const [name, o] of Object.entries(result.outputs)) {
    out.push('', `${name}  ${o.dtype} ${shape(o.shape)}`);
    if (o.top) {
      const width = String(o.top.length).length;
      out.push(`  top ${o.top.length}${meta.labels ? ` (labels from ${meta.labelsFrom})` : ''}:`);
      o.top.forEach((t, i) => {
        out.push(`  ${String(i + 1).padStart(width)}. ${formatFloat32(t.score).padEnd(12)} #${t.index}${t.label !== null ? ` ${t.label}` : ''}`);
      });
      if (!opts.full) continue;
    }
    const shown = o.values.slice(0, limit).map((v) => formatValue(o.dtype, v));
    const more = o.values.length - shown.length;
    out.push(`  [${shown.join(', ')}${more > 0 ? `, … ${more} more (--full prints all)` : ''}]`);
  }
  return out.join('\n');
}

export function register(program: Command, addRuntimeOptions: AddRuntimeOptions): void {
  addRuntimeOptions(program.command('run')
    .description('run a model once on the given inputs and print its outputs (top-k for classifiers)')
    .argument('<model>', 'a .tflite file')
    .option('-i, --input <[name=]source>', 'an input: a .npy, .json or image file, or inline JSON such as ' +
      "'[1,2,3]' (repeatable; unnamed ones fill the inputs in order)", collect)
    .option('-s, --signature <key>', "run this signature (inputs and outputs by the signature's names)")
    .option('-k, --top-k <k>', 'how many classes to list for a classifier output (0: print values)', integer(0, 'top-k'), 5)
    .option('--labels <file>', 'class labels, one per line (default: the labels in the model metadata)')
    .option('--mean <m>', 'image inputs: subtract this (one value, or one per channel: 127.5,127.5,127.5)', numberList)
    .option('--std <s>', 'image inputs: then divide by this (default: from the model metadata, else [0,1] scaling)', numberList)
    .option('--fit <mode>', "image inputs: how to resize to the input size: 'cover' (crop, default) or 'fill' (stretch)", (v: string) => {
      if (v !== 'cover' && v !== 'fill') throw new InvalidArgumentError(`use 'cover' or 'fill', got '${v}'.`);
      return v;
    }, 'cover')
    .option('--full', 'print every output value (and all values of classifier outputs)')
    .option('--json', 'print one JSON object (for scripts): outputs with dtype, shape, values and top'))
    .addHelpText('after', `
Inputs: .npy (dtype must match the input's), .json (nested or flat arrays; int64 as numbers or decimal
strings), inline JSON, or an image (.jpg, .png, .webp, ...; needs the optional package sharp) resized to the
input's height and width and normalised with --mean/--std, else the model metadata, else to [0,1]
(uint8 inputs get raw pixels; int8 inputs get the normalised values quantized). An input whose signature
has -1 dimensions is resized to the file's shape.
Examples:
  $ tflite-runtime run add.tflite --input a=a.npy --input b='[[1,2,3,4]]'
  $ tflite-runtime run mobilenet.tflite --input cat.jpg --labels labels.txt
  $ tflite-runtime run model.tflite --signature serving_default -i x=x.json --json`)
    .action((model: string, opts: Omit<RunFlags, 'topKGiven'>, command: Command) => run(model, { ...opts, topKGiven: command.getOptionValueSource('topK') === 'cli' }));
}
