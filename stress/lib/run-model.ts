// Pushes one (possibly hostile) model through everything a user would do with it: load, inspect (details, ops,
// signatures and their runners), allocate, fill every input, invoke on the pool with a time limit, read every
// output, dispose. Returns { outcome, stage, code, message }:
//   outcome 'ran'       every stage passed
//           'rejected'  a TfLiteError with an ERR_TFLITE_* code stopped it (the contract)
//           'untyped'   something else was thrown (a contract violation: a crash in waiting, or a bad message)
// A crash of the process is what the parent counts; nothing here catches that.
import type { AnyTensor, Interpreter as InterpreterType } from 'tflite-runtime';
import { loadLibrary } from './runtime';

const { Interpreter, TfLiteError } = loadLibrary();

function fill(tensor: AnyTensor, seed: number): void {
  const dtype = tensor.dtype;
  const count = tensor.elementCount;
  if (count > 1 << 22) return; // leave huge inputs as allocated (zeros): filling them would only test memset
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
  switch (dtype) {
    case 'string':
      tensor.set(Array.from({ length: count }, (_, i) => (i % 3 === 0 ? '' : `s${i}\u00e9`)));
      return;
    case 'int64': case 'uint64': {
      const a = dtype === 'int64' ? new BigInt64Array(count) : new BigUint64Array(count);
      for (let i = 0; i < count; i++) a[i] = BigInt(Math.floor(next() * 4));
      tensor.set(a);
      return;
    }
    case 'float16': {
      tensor.set(Array.from({ length: count }, () => next() * 4 - 2));
      return;
    }
    default: {
      const view = tensor.data as Exclude<AnyTensor['data'], BigInt64Array | BigUint64Array>;
      // small values: loop counts, indices and sizes taken from inputs stay small
      if (view instanceof Float32Array || view instanceof Float64Array) for (let i = 0; i < view.length; i++) view[i] = next() * 4 - 2;
      else if (ArrayBuffer.isView(view)) for (let i = 0; i < view.length; i++) view[i] = Math.floor(next() * 4);
    }
  }
}

export interface RunModelOptions {
  xnnpack?: boolean;
  timeoutMs?: number;
  seed?: number;
  signatures?: boolean;
  /** Told each stage as it starts (the parent learns where a crash happened). */
  onStage?: (stage: string) => void;
}

export interface RunModelResult {
  outcome: 'ran' | 'rejected' | 'untyped';
  stage: string;
  code?: string | null;
  message?: string;
  stack?: string;
}

export async function runModel(bytes: Buffer | string, options: RunModelOptions = {}): Promise<RunModelResult> {
  let current = 'load';
  const mark = options.onStage ?? ((): void => {});
  // `stage = x` below also tells the parent (through onStage) where a crash happened
  const track = { set stage(value) { current = value; mark(value); }, get stage() { return current; } };
  mark('load');
  let it: InterpreterType | undefined;
  try {
    it = new Interpreter(bytes, { xnnpack: options.xnnpack !== false });
    track.stage = 'inspect';
    it.getInputDetails();
    it.getOutputDetails();
    void it.modelOps;
    void it.executionPlan;
    void it.tensorCount;
    if (options.signatures !== false) {
      for (const key of it.signatures) {
        const runner = it.getSignatureRunner(key);
        Object.values(runner.inputs).forEach((t) => t.toJSON());
      }
    }
    track.stage = 'allocate';
    it.allocateTensors();
    track.stage = 'fill';
    it.inputs.forEach((t, i) => fill(t, (options.seed ?? 1) + i));
    track.stage = 'invoke';
    await it.invokeAsync({ signal: AbortSignal.timeout(options.timeoutMs ?? 2000) });
    track.stage = 'read';
    for (const t of it.outputs) t.get();
    track.stage = 'dispose';
    it.dispose();
    return { outcome: 'ran', stage: 'done' };
  } catch (error) {
    try { it?.dispose(); } catch { /* disposing after a failure must not throw either; counted below if it does */ }
    const e = error as { name?: string; code?: string; message?: string; stack?: string } | null;
    if (error instanceof TfLiteError && /^ERR_TFLITE_[A-Z_]+$/.test(error.code) && error.message) {
      return { outcome: 'rejected', stage: track.stage, code: error.code, message: String(error.message).slice(0, 300) };
    }
    return {
      outcome: 'untyped', stage: track.stage, code: e?.code ?? null,
      message: `${e?.name}: ${String(e?.message).slice(0, 300)}`,
      stack: String(e?.stack ?? '').split('\n').slice(0, 6).join('\n'),
    };
  }
}
