// Every public function, method and option, each argument position given each hostile value in turn (wrong types,
// Symbols, BigInts, Proxies that throw, throwing getters, detached / resizable / shared buffers, DataViews,
// out-of-range and non-finite numbers, sparse arrays claiming 2^32 - 1 elements, special files), the other arguments
// valid. A call must return or throw a TfLiteError with a declared code, within a second, without growing memory
// past a bound. Run by test/api-sweep.test.js in a child process (a crash names its case: the last line printed).
//   node --expose-gc dist-tools/stress/api-sweep.js [--list]     prints one JSON line per case, then a summary line
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

import { ROOT as root, loadLibrary } from './lib/runtime';

const lib = loadLibrary();
const { Interpreter, TfLiteError } = lib;
const fixture = (name: string): string => path.join(root, 'test', 'fixtures', name);
const declared = new Set([...fs.readFileSync(path.join(root, 'dist', 'cjs', 'errors.d.ts'), 'utf8')
  .match(/TfLiteErrorCode =([^;]*);/)![1]!.matchAll(/'(ERR_TFLITE_\w+)'/g)].map((m) => m[1]!));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-sweep-'));
const fifo = path.join(tmp, 'fifo');
spawnSync('mkfifo', [fifo]);
const zeroLink = path.join(tmp, 'zero');
fs.symlinkSync('/dev/zero', zeroLink);

// ---- the hostile values ------------------------------------------------------------------------------------------

const detached = (): ArrayBuffer => {
  const ab = new ArrayBuffer(16);
  structuredClone(ab, { transfer: [ab] });
  return ab;
};
const resizable = (): ArrayBuffer => {
  // ES2024's resizable buffers (the ES2022 lib the tools compile against does not declare them)
  const ab = new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer & { resize(n: number): void })(16,
    { maxByteLength: 64 });
  ab.resize(0);
  return ab;
};
const throwingProxy = (): object => new Proxy({}, {
  get() { throw new Error('proxy get'); },
  has() { throw new Error('proxy has'); },
  ownKeys() { throw new Error('proxy ownKeys'); },
  getOwnPropertyDescriptor() { throw new Error('proxy descriptor'); },
  getPrototypeOf() { throw new Error('proxy prototype'); },
});
const throwingArrayProxy = (): number[] => new Proxy([1, 2, 3, 4], { get() { throw new Error('array proxy get'); } });
const throwingGetter = (): object => Object.defineProperty({}, 'threads', { get() { throw new Error('getter'); }, enumerable: true });
const sparse = (): unknown[] => {
  const a: unknown[] = [];
  a.length = 2 ** 32 - 1;
  return a;
};

const HOSTILE: Record<string, () => unknown> = {
  undefined: () => undefined,
  null: () => null,
  true: () => true,
  zero: () => 0,
  'minus one': () => -1,
  'minus zero': () => -0,
  fraction: () => 1.5,
  NaN: () => NaN,
  Infinity: () => Infinity,
  '2^31': () => 2 ** 31,
  '2^53': () => 2 ** 53,
  '1e300': () => 1e300,
  bigint: () => 1n,
  'empty string': () => '',
  'NUL string': () => 'a\0b',
  'long string': () => 'x'.repeat(100000),
  symbol: () => Symbol('hostile'),
  'empty object': () => ({}),
  'null-prototype object': () => Object.create(null),
  'empty array': () => [],
  'nested empty array': () => [[]],
  'array of symbols': () => [Symbol('a'), Symbol('b')],
  'sparse array of 2^32 - 1': sparse,
  function: () => () => 1,
  'throwing proxy': throwingProxy,
  'throwing array proxy': throwingArrayProxy,
  'throwing getter': throwingGetter,
  'detached ArrayBuffer': detached,
  'shrunk resizable ArrayBuffer': resizable,
  'SharedArrayBuffer': () => new SharedArrayBuffer(16),
  'DataView': () => new DataView(new ArrayBuffer(16)),
  'empty Float32Array': () => new Float32Array(0),
  'Float64Array(4)': () => new Float64Array(4),
  'BigInt64Array(4)': () => new BigInt64Array(4),
  'Float32Array on shared memory': () => new Float32Array(new SharedArrayBuffer(16)),
  'Float32Array on a detached buffer': () => {
    const array = new Float32Array(4);
    structuredClone(array.buffer, { transfer: [array.buffer] });
    return array;
  },
  'revoked proxy': () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  'a Date': () => new Date(0),
  'a Promise': () => Promise.resolve(1),
  'an AbortSignal': () => AbortSignal.abort(),
  '/dev/zero': () => '/dev/zero',
  'a link to /dev/zero': () => zeroLink,
  'a FIFO': () => fifo,
  'a directory': () => tmp,
  '/dev/null': () => '/dev/null',
};

// ---- the public surface: each entry calls one thing with `v` in one argument position ------------------------------

const addPath = fixture('add.tflite');
const addBytes = fs.readFileSync(addPath);
const ready = (file = 'add.tflite'): InstanceType<typeof Interpreter> => {
  const it = new Interpreter(fixture(file));
  it.allocateTensors();
  return it;
};
const runner = () => ready('signatures.tflite').getSignatureRunner('add');
let sharedPool: Awaited<ReturnType<typeof lib.createPool>> | undefined;
const pool = async (): Promise<NonNullable<typeof sharedPool>> => (sharedPool ??= await lib.createPool(addPath, { size: 1 }));
const four = () => new Float32Array(4);

// Each entry calls one thing with `v` in one argument position. v is `never`: assignable to every parameter, so the
// calls are checked against the published types (names, arity) while any hostile value goes in.
const SURFACE: Record<string, (v: never) => unknown> = {
  'new Interpreter(v)': (v) => new Interpreter(v),
  'new Interpreter(m, v)': (v) => new Interpreter(addBytes, v),
  'threads: v': (v) => new Interpreter(addBytes, { threads: v }),
  'xnnpack: v': (v) => new Interpreter(addBytes, { xnnpack: v }),
  'xnnpack.threads: v': (v) => new Interpreter(addBytes, { xnnpack: { threads: v } }),
  'xnnpack.quantized: v': (v) => new Interpreter(addBytes, { xnnpack: { quantized: v } }),
  'delegates: v': (v) => new Interpreter(addBytes, { delegates: v }),
  'delegates: [v]': (v) => new Interpreter(addBytes, { delegates: [v] }),
  'delegateFallback: v': (v) => new Interpreter(addBytes, { delegateFallback: v }),
  'logLevel: v': (v) => new Interpreter(addBytes, { logLevel: v }),
  'customOps: v': (v) => new Interpreter(addBytes, { customOps: v }),
  'customOps: [v]': (v) => new Interpreter(addBytes, { customOps: [v] }),
  'Interpreter.create(v)': (v) => Interpreter.create(v),
  'Interpreter.create(m, v)': (v) => Interpreter.create(addPath, v),
  'input(v)': (v) => ready().input(v),
  'output(v)': (v) => ready().output(v),
  'resizeInput(v, shape)': (v) => ready().resizeInput(v, [1, 4]),
  'resizeInput(0, v)': (v) => ready().resizeInput(0, v),
  'resizeInput(0, [v])': (v) => ready().resizeInput(0, [v]),
  'resizeTensorInput(v, shape)': (v) => ready().resizeTensorInput(v, [1, 4]),
  'setTensor(v, data)': (v) => ready().setTensor(v, four()),
  'setTensor(0, v)': (v) => ready().setTensor(0, v),
  'getTensor(v)': (v) => ready().getTensor(v),
  'tensor(v)': (v) => ready().tensor(v),
  'tensorAt(v)': (v) => ready().tensorAt(v),
  'getSignatureRunner(v)': (v) => ready('signatures.tflite').getSignatureRunner(v),
  'run(v)': (v) => ready().run(v),
  'run([v, data])': (v) => ready().run([v, four()]),
  'run({ a: v })': (v) => ready().run({ a: v }),
  'runAsync(v)': (v) => ready().runAsync(v),
  'runAsync(inputs, v)': (v) => ready().runAsync([four(), four()], v),
  'invokeAsync(v)': (v) => ready().invokeAsync(v),
  'invokeAsync({ signal: v })': (v) => ready().invokeAsync({ signal: v }),
  'tensor.set(v)': (v) => ready().input(0).set(v),
  'tensor.set([v, v, v, v])': (v) => ready().input(0).set([v, v, v, v]),
  'tensor.set([[v]])': (v) => ready().input(0).set([[v]]),
  'string tensor.set(v)': (v) => ready('dtypes_string.tflite').input(0).set(v),
  'string tensor.set([v, v, v])': (v) => ready('dtypes_string.tflite').input(0).set([v, v, v]),
  'tensor.quantize(v)': (v) => ready('quant_int8.tflite').input(0).quantize(v),
  'runner.input(v)': (v) => runner().input(v),
  'runner.output(v)': (v) => runner().output(v),
  'runner.resizeInput(name, v)': (v) => runner().resizeInput(Object.keys(runner().inputs)[0], v),
  'runner.run(v)': (v) => runner().run(v),
  'loadDelegate(v)': (v) => lib.loadDelegate(v),
  'loadDelegate(path, v)': (v) => lib.loadDelegate('/nonexistent/libdelegate.so', v),
  'loadEdgeTpuDelegate(v)': (v) => lib.loadEdgeTpuDelegate(v),
  'loadEdgeTpuDelegate({ device: v })': (v) => lib.loadEdgeTpuDelegate({ device: v, libraryPath: '/nonexistent.so' }),
  'loadEdgeTpuDelegate({ libraryPath: v })': (v) => lib.loadEdgeTpuDelegate({ libraryPath: v }),
  'loadEdgeTpuDelegate({ options: v })': (v) => lib.loadEdgeTpuDelegate({ options: v, libraryPath: '/nonexistent.so' }),
  'listEdgeTpus(v)': (v) => lib.listEdgeTpus(v),
  'edgeTpuVersion(v)': (v) => lib.edgeTpuVersion(v),
  'readModelMetadata(v)': (v) => lib.readModelMetadata(v),
  'parseLabels(v)': (v) => lib.parseLabels(v),
  'createPool(v)': (v) => lib.createPool(v, { size: 1 }),
  'createPool(m, v)': (v) => lib.createPool(addPath, v),
  'createPool(m, { size: v })': (v) => lib.createPool(addPath, { size: v }),
  'pool.run(v)': async (v) => (await pool()).run(v),
  'pool.run(inputs, v)': async (v) => (await pool()).run([four(), four()], v),
  'pool.reload(v)': async (v) => (await pool()).reload(v),
  'pool.reload(m, v)': async (v) => (await pool()).reload(addPath, v),
  'pool.reload(m, { sha256: v })': async (v) => (await pool()).reload(addPath, { sha256: v }),
  'pool.reload(m, { warmup: v })': async (v) => (await pool()).reload(addPath, { warmup: v }),
  'pool.watch(v)': async (v) => (await pool()).watch(v).close(),
  'pool.watch(m, v)': async (v) => (await pool()).watch(addPath, v).close(),
};

// Calls whose hostile value is a valid argument there: they may succeed (a path to a real file, `undefined` for an
// optional argument, ...). Success is always allowed; only the kind of failure is judged.

async function main() {
  if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
  const failures: { case: string; outcome: string }[] = [];
  let cases = 0;
  let typed = 0;
  const started = process.memoryUsage().rss;
  for (const [call, fn] of Object.entries(SURFACE)) {
    for (const [name, make] of Object.entries(HOSTILE)) {
      cases++;
      const label = `${call} with v = ${name}`;
      process.stdout.write(`${JSON.stringify({ case: label })}\n`);
      const t0 = process.hrtime.bigint();
      let outcome = 'returned';
      try {
        const result = fn(make() as never);
        if (result && typeof (result as Promise<unknown>).then === 'function') await result;
      } catch (caught) {
        const error = caught as { constructor?: { name: string }; message?: unknown } | null;
        if (caught instanceof TfLiteError && declared.has(caught.code)) {
          outcome = caught.code;
          typed++;
        } else {
          outcome = `untyped ${error && error.constructor ? error.constructor.name : typeof error}: ` +
            `${String(error && error.message).slice(0, 160)}`;
          failures.push({ case: label, outcome });
        }
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (ms > 1000) failures.push({ case: label, outcome: `took ${ms.toFixed(0)} ms` });
      if (process.env.SWEEP_VERBOSE) process.stdout.write(`${JSON.stringify({ outcome, ms: Math.round(ms) })}\n`);
    }
    global.gc!();
  }
  if (sharedPool) sharedPool.dispose();
  global.gc!();
  const grownMb = (process.memoryUsage().rss - started) / 2 ** 20;
  if (grownMb > 512) failures.push({ case: 'whole sweep', outcome: `RSS grew ${grownMb.toFixed(0)} MB` });
  fs.rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ summary: { calls: Object.keys(SURFACE).length,
    values: Object.keys(HOSTILE).length, cases, typed, failures, rssGrowthMb: Math.round(grownMb) } })}\n`);
}

main().then(() => process.exit(0), (error: { stack?: string } | null) => {
  process.stdout.write(`${JSON.stringify({ fatal: String(error && error.stack) })}\n`);
  process.exit(2);
});
