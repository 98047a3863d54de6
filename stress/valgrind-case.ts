// The representative script stress/valgrind.sh runs under memcheck: every kind of model the fixtures hold, through
// every API path (Buffer and path loads, XNNPACK on and off, views and copies, strings, signature runners,
// quantization, resize, async runs and an abort, the error paths and hostile models), ROUNDS times, everything
// disposed (or collected) before exit so that what valgrind calls "definitely lost" is a real leak.
//   node --expose-gc dist-tools/stress/valgrind-case.js [ROUNDS=3]
import * as fs from 'fs';
import type { Interpreter as InterpreterType } from 'tflite-runtime';
import { hostileModels } from './lib/model-bytes';
// fixture(): a path in test/fixtures; typed(): fixture values as the TypedArray set() takes
import { expected, fixture, typed } from './lib/fixtures';
import { loadLibrary } from './lib/runtime';

const { Interpreter, TfLiteError } = loadLibrary();

const rounds = Number(process.argv[2] || 3);
let problems = 0;

function expectError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof TfLiteError && error.code === code) return;
    problems++;
    console.error(`expected ${code}:`, error);
    return;
  }
  problems++;
  console.error(`expected ${code}, nothing thrown`);
}

async function round(r: number): Promise<void> {
  // every fixture with expected values: path and Buffer loads, XNNPACK on and off
  for (const [file, e] of Object.entries(expected)) {
    if (!e.inputs || !e.outputs) continue;
    const source = r % 2 ? fixture(file) : fs.readFileSync(fixture(file));
    let it: InterpreterType;
    try {
      it = new Interpreter(source, { xnnpack: r % 3 !== 0 });
      it.allocateTensors();
    } catch (error) {
      if (!(error instanceof TfLiteError)) throw error;
      continue; // custom-op fixtures
    }
    e.inputs.forEach((d, i) => it.input(i).set(typed(d.dtype, d.value) as never));
    if (r % 2) await it.invokeAsync();
    else it.invoke();
    for (const t of it.outputs) t.get();
    it.getInputDetails();
    it.getOutputDetails();
    void it.executionPlan;
    for (const key of it.signatures) {
      const runner = it.getSignatureRunner(key);
      runner.allocateTensors();
      for (const t of Object.values(runner.inputs)) t.set(new Float32Array(t.elementCount));
      runner.invoke();
      for (const t of Object.values(runner.outputs)) t.get();
    }
    if (r % 4 !== 3) it.dispose(); // the rest to the GC finalizer
  }

  // views, resize, detach
  const dyn = new Interpreter(fixture('dynamic_batch.tflite'));
  dyn.allocateTensors();
  const view = dyn.input(0).data;
  dyn.resizeInput(0, [3, 4]);
  dyn.allocateTensors();
  if (view.length !== 0) problems++;
  dyn.input(0, 'float32').data.fill(1);
  dyn.invoke();
  dyn.output(0).get();
  dyn.dispose();

  // quantization
  const q = new Interpreter(fixture('quant_int8.tflite'));
  q.allocateTensors();
  q.input(0).quantize(new Float32Array(8).fill(0.5));
  q.invoke();
  q.output(0).dequantize();
  q.dispose();

  // strings, dynamic
  const s = new Interpreter(fixture('strings_dynamic.tflite'));
  s.resizeInput(0, [4]);
  s.allocateTensors();
  expectError(() => s.invoke(), 'ERR_TFLITE_INVOKE');
  s.input(0).set(['a', '\uD800', 'ccc', '']);
  s.invoke();
  s.output(0).get();
  s.dispose();

  // an aborted long run, and dispose while running
  const loop = new Interpreter(fixture('loop.tflite'));
  loop.allocateTensors();
  loop.input(0).set(new Float32Array(64));
  loop.input(1).set(new Int32Array([100000000]));
  const controller = new AbortController();
  const running = loop.invokeAsync({ signal: controller.signal });
  setTimeout(() => controller.abort(), 5);
  await running.then(() => { problems++; }, (error: { code?: string }) => { if (error.code !== 'ERR_TFLITE_CANCELLED') problems++; });
  loop.input(1).set(new Int32Array([2]));
  const last = loop.invokeAsync();
  loop.dispose();
  await last;

  // error paths
  for (const make of Object.values(hostileModels())) expectError(() => new Interpreter(make()), 'ERR_TFLITE_MODEL_INVALID');
  expectError(() => new Interpreter(Buffer.from('garbage, not a model at all')), 'ERR_TFLITE_MODEL_INVALID');
  expectError(() => new Interpreter(fixture('custom_op.tflite')).allocateTensors(), 'ERR_TFLITE_ALLOCATE');
  const add = new Interpreter(fixture('add.tflite'));
  expectError(() => add.invoke(), 'ERR_TFLITE_INVOKE');
  add.allocateTensors();
  expectError(() => add.input(0).set(new Int32Array(4)), 'ERR_TFLITE_DTYPE');
  expectError(() => add.setTensor(7, new Float32Array(4)), 'ERR_TFLITE_INDEX');
  add.dispose();
  expectError(() => add.input(0), 'ERR_TFLITE_DISPOSED');
}

(async () => {
  for (let r = 0; r < rounds; r++) await round(r);
  for (let k = 0; k < 4; k++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (global.gc) global.gc();
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  console.log(JSON.stringify({ rounds, problems }));
  process.exitCode = problems ? 1 : 0;
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
