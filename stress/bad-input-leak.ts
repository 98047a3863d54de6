// Leak check of the error paths, run by test/bad-input.test.ts (and stress/asan.sh) as:
//   node --expose-gc dist-tools/stress/bad-input-leak.js [ITERATIONS=2000] [WARMUP=1000]
// Each iteration walks the error paths that allocate something natively before failing: invalid and hostile model
// bytes, missing files, an unresolved custom op at allocation, invoke before allocate, wrong dtypes and sizes,
// reading an unset string, a use after dispose, a busy interpreter, an aborted async run. Memory is sampled after
// forced GCs (with event-loop turns, so the addon's finalizers run) once warmed up and at the end; prints JSON.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT as root, loadLibrary } from './lib/runtime';

const { Interpreter, TfLiteError } = loadLibrary();
import { hostileModels } from './lib/model-bytes';
import { settledMemory } from './lib/settled-memory';

if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
const fixture = (name: string): string => path.join(root, 'test', 'fixtures', name);
const iterations = Number(process.argv[2] || 2000);
const warmup = Number(process.argv[3] || 1000); // malloc arenas, thread pools and XNNPACK caches settle first
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const add = fs.readFileSync(fixture('add.tflite'));
const models = Object.values(hostileModels()).map((make) => make());
const garbage = Buffer.from('definitely not a flatbuffer, but long enough to be looked at');
const truncated = Buffer.from(add.subarray(0, add.length >> 1));
let unexpected = 0;

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof TfLiteError && error.code === code) return;
    unexpected++;
    if (unexpected < 5) console.error(`expected ${code}, got`, error);
    return;
  }
  unexpected++;
  if (unexpected < 5) console.error(`expected ${code}, got no error`);
}

async function iteration(i: number): Promise<void> {
  for (const bytes of [garbage, truncated, models[i % models.length]!]) {
    expectCode(() => new Interpreter(bytes), 'ERR_TFLITE_MODEL_INVALID');
  }
  expectCode(() => new Interpreter(fixture('missing.tflite')), 'ERR_TFLITE_NOT_FOUND');
  expectCode(() => new Interpreter(fixture('custom_op.tflite')).allocateTensors(), 'ERR_TFLITE_ALLOCATE');

  const it = new Interpreter(add, { xnnpack: i % 2 === 0 });
  expectCode(() => it.invoke(), 'ERR_TFLITE_INVOKE');
  it.allocateTensors();
  expectCode(() => it.input(0).set(new Int32Array(4)), 'ERR_TFLITE_DTYPE');
  expectCode(() => it.input(0).set(new Float32Array(5)), 'ERR_TFLITE_SIZE');
  expectCode(() => it.input(7), 'ERR_TFLITE_INDEX');
  expectCode(() => it.resizeInput(0, [-1]), 'ERR_TFLITE_SHAPE');
  const running = it.invokeAsync();
  expectCode(() => it.input(0).data, 'ERR_TFLITE_BUSY');
  await running;
  const controller = new AbortController();
  controller.abort();
  await it.invokeAsync({ signal: controller.signal }).then(() => unexpected++, (e: { code?: string }) => {
    if (e.code !== 'ERR_TFLITE_CANCELLED') unexpected++;
  });
  it.dispose();
  expectCode(() => it.input(0), 'ERR_TFLITE_DISPOSED');
  it.dispose();

  const strings = new Interpreter(fixture('dtypes_string.tflite'));
  strings.allocateTensors();
  expectCode(() => strings.output(0).get(), 'ERR_TFLITE_INVOKE');
  expectCode(() => strings.invoke(), 'ERR_TFLITE_INVOKE');
  strings.input(0).set(['\uD800', 'b', 'c']);
  strings.invoke();
  strings.output(0).get();
  if (i % 3 === 0) strings.dispose(); // the rest go to the GC finalizer
}

async function sample() {
  const m = await settledMemory();
  // rss - heapTotal: memory outside V8's heap (the addon, TFLite, malloc). V8 grows its young generation under
  // allocation pressure up to its limit, which moves RSS without any leak; heapUsed tracks the JS side.
  return { rss: m.rss, native: m.rss - m.heapTotal, heapUsed: m.heapUsed, external: m.external };
}

(async () => {
  for (let i = 0; i < warmup; i++) await iteration(i);
  const start = await sample();
  const started = Date.now();
  for (let i = 0; i < iterations; i++) {
    await iteration(i);
    if (i % 100 === 99) await turn();
  }
  const end = await sample();
  const round = (x: number): number => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    iterations, warmup, seconds: round((Date.now() - started) / 1000), unexpected,
    start: { rss: round(start.rss), native: round(start.native), heapUsed: round(start.heapUsed) },
    end: { rss: round(end.rss), native: round(end.native), heapUsed: round(end.heapUsed) },
    rssGrowthMb: round(end.rss - start.rss), nativeGrowthMb: round(end.native - start.native),
    heapGrowthMb: round(end.heapUsed - start.heapUsed),
  }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
