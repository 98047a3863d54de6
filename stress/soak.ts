// Long-run soak: what a device running for months does, compressed. Run with --expose-gc:
//   node --expose-gc dist-tools/stress/soak.js [--ci] [--cycles 10000] [--invokes 1000000] [--async 100000] [--workers 200]
//                                   [--out stress/results/soak.json]
// Phases, each with RSS sampled ~20 times after forced GCs (and event-loop turns, so the addon's finalizers run):
//   cycles   new Interpreter (Buffer or path, XNNPACK on or off) → allocate → fill → invoke (every 10th async) → read
//            → dispose; every 5th interpreter is not disposed but dropped, for the GC finalizer to free
//   invokes  1M x (write the input view, invoke, read the output view) on one add.tflite interpreter, checked
//   async    invokeAsync on one interpreter, one at a time, plus runAsync; every 50th aborted mid-flight
//   gc       cycles with a forced full GC after every one (finalizers racing nothing but themselves)
//   workers  worker_threads that load models and start long async runs (loop.tflite), terminated at a random
//            point with the runs in flight; the main thread keeps running models meanwhile
// Drift = last sample - the first sample at or after 10% of the phase (after warm-up). Exits 1 when a phase drifts
// past its bound or a result is wrong.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { Interpreter as InterpreterType } from 'tflite-runtime';
import { ROOT as root, DIST as dist, loadLibrary } from './lib/runtime';
import { settledMemory } from './lib/settled-memory';

const { Interpreter } = loadLibrary(dist);
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');

const argv = process.argv.slice(2);
const flag = (name: string, full: number, ci: number): number => {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return Number(argv[i + 1]);
  return argv.includes('--ci') ? ci : full;
};
const CYCLES = flag('cycles', 10000, 2000);
const INVOKES = flag('invokes', 1000000, 200000);
const ASYNC = flag('async', 100000, 10000);
const GC_CYCLES = flag('gc-cycles', 2000, 300);
const WORKERS = flag('workers', 200, 30);
const outIndex = argv.indexOf('--out');
const OUT = outIndex >= 0 ? path.resolve(argv[outIndex + 1]!) : path.join(root, 'stress', 'results', 'soak.json');

const fixture = (name: string): string => path.join(root, 'test', 'fixtures', name);
const addPath = fixture('add.tflite');
const addBytes = fs.readFileSync(addPath);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const round = (x: number): number => Math.round(x * 10) / 10;
let failures = 0;

interface Sample { done: number; rss: number; heapUsed: number; external: number }

async function sample(done: number): Promise<Sample> {
  const m = await settledMemory();
  return { done, rss: round(m.rss), heapUsed: round(m.heapUsed), external: round(m.external) };
}

function check(condition: boolean, what: string): void {
  if (!condition) {
    failures++;
    if (failures < 10) console.error(`soak: wrong result: ${what}`);
  }
}

/** Runs `step(i)` `total` times, sampling memory at ~20 points. */
async function phase(name: string, total: number, step: (i: number) => unknown, bound: number) {
  const every = Math.max(1, Math.floor(total / 20));
  const samples = [await sample(0)];
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    await step(i);
    if ((i + 1) % every === 0) samples.push(await sample(i + 1));
  }
  const seconds = (Date.now() - started) / 1000;
  const base = samples.find((s) => s.done >= total * 0.1) ?? samples[0]!;
  const last = samples[samples.length - 1]!;
  const drift = round(last.rss - base.rss);
  const result = {
    name, total, seconds: round(seconds), perSecond: Math.round(total / seconds),
    rssStart: samples[0]!.rss, rssBase: base.rss, rssEnd: last.rss, rssMax: Math.max(...samples.map((s) => s.rss)),
    driftMb: drift, heapDriftMb: round(last.heapUsed - base.heapUsed), boundMb: bound, ok: drift <= bound,
    samples,
  };
  console.log(`${name}: ${total} in ${result.seconds} s, RSS ${result.rssStart} → ${result.rssBase} (10%) → ` +
    `${result.rssEnd} MB, drift ${drift} MB (bound ${bound}), heap drift ${result.heapDriftMb} MB`);
  return result;
}

function fillAdd(it: InterpreterType): void {
  it.input(0, 'float32').data.set([1, 2, 3, 4]);
  it.input(1, 'float32').data.set([0.5, 0.5, 0.5, 0.5]);
}

async function cycle(i: number): Promise<void> {
  const it = new Interpreter(i % 2 ? addBytes : addPath, { xnnpack: i % 3 !== 0 });
  it.allocateTensors();
  fillAdd(it);
  if (i % 10 === 0) await it.invokeAsync();
  else it.invoke();
  check(it.output(0).data[3] === 4.5, `cycle ${i}`);
  if (i % 5 !== 0) it.dispose();
  if (i % 50 === 0) await turn(); // a server yields; finalizers of dropped interpreters run from the loop
}

function invokes() {
  const it = new Interpreter(addBytes);
  it.allocateTensors();
  const a = it.input(0, 'float32').data;
  const b = it.input(1, 'float32').data;
  const out = it.output(0, 'float32').data;
  return {
    it,
    step(i: number): void {
      a[0] = i % 1000;
      b[0] = 1;
      it.invoke();
      if (i % 1000 === 0) check(out[0] === (i % 1000) + 1, `invoke ${i}`);
      if (i % 100000 === 0) check(Array.from(it.run([[1, 1, 1, 1], [2, 2, 2, 2]]).Identity as Float32Array).join() === '3,3,3,3', 'run');
    },
  };
}

function asyncRuns() {
  const it = new Interpreter(addBytes);
  it.allocateTensors();
  fillAdd(it);
  const loop = new Interpreter(fixture('loop.tflite'));
  loop.allocateTensors();
  loop.input(0).set(new Float32Array(64));
  return {
    dispose() {
      it.dispose();
      loop.dispose();
    },
    async step(i: number): Promise<void> {
      if (i % 50 === 25) {
        loop.input(1).set(new Int32Array([1000000]));
        const controller = new AbortController();
        const running = loop.invokeAsync({ signal: controller.signal });
        setImmediate(() => controller.abort());
        await running.then(() => check(false, 'abort'), (e: { code: string }) => check(e.code === 'ERR_TFLITE_CANCELLED', e.code));
        return;
      }
      if (i % 10 === 0) {
        const out = await it.runAsync([[1, 2, 3, 4], [1, 1, 1, 1]]);
        check((out.Identity as Float32Array)[3] === 5, `runAsync ${i}`);
        fillAdd(it);
        return;
      }
      await it.invokeAsync();
      if (i % 100 === 0) check(it.output(0).data[0] === 1.5, `invokeAsync ${i}`);
    },
  };
}

async function gcCycle(i: number): Promise<void> {
  await cycle(i + 1); // never i % 5 === 0 with the same pattern as `cycles`: mixes disposed and dropped
  global.gc!();
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const { Interpreter } = require(workerData.dist);
const loop = new Interpreter(workerData.loop);
loop.allocateTensors();
loop.input(0).set(new Float32Array(64));
loop.input(1).set(new Int32Array([100000000]));
const runs = [loop.invokeAsync().catch(() => {})];
for (let k = 0; k < 3; k++) {
  const add = new Interpreter(workerData.add, { xnnpack: k % 2 === 0 });
  add.allocateTensors();
  add.input(0).set(new Float32Array([1, 2, 3, 4]));
  add.input(1).set(new Float32Array([1, 1, 1, 1]));
  runs.push(add.invokeAsync().then(() => add.output(0).get()));
}
parentPort.postMessage('running');
`;

async function workerRound(i: number): Promise<void> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dist, loop: fixture('loop.tflite'), add: addPath } });
  let errored: Error | null = null;
  worker.on('error', (e) => { errored = e; });
  await new Promise((resolve) => {
    worker.once('message', resolve);
    worker.once('exit', resolve);
  });
  await new Promise((resolve) => setTimeout(resolve, i % 7)); // 0-6 ms in: runs queued, running, or finishing
  // meanwhile, the main thread keeps working
  const it = new Interpreter(addBytes, { xnnpack: false });
  it.allocateTensors();
  fillAdd(it);
  await it.invokeAsync();
  check(it.output(0).data[0] === 1.5, `main during worker ${i}`);
  it.dispose();
  await worker.terminate();
  check(errored === null, `worker ${i}: ${errored}`);
}

(async () => {
  const started = Date.now();
  const phases: Awaited<ReturnType<typeof phase>>[] = [];
  console.log(`soak: node ${process.version}, ${os.cpus().length} CPUs${argv.includes('--ci') ? ', CI sizes' : ''}`);
  phases.push(await phase('cycles', CYCLES, cycle, 24));
  const inv = invokes();
  phases.push(await phase('invokes', INVOKES, inv.step, 8));
  inv.it.dispose();
  const asy = asyncRuns();
  phases.push(await phase('async', ASYNC, asy.step, 12));
  asy.dispose();
  phases.push(await phase('gc', GC_CYCLES, gcCycle, 24));
  phases.push(await phase('workers', WORKERS, workerRound, 48));
  await sample(0); // dropped interpreters are finalized now, not at exit (where LeakSanitizer would see them)
  const summary = {
    node: process.version, ci: argv.includes('--ci'), seconds: round((Date.now() - started) / 1000), failures,
    ok: failures === 0 && phases.every((p) => p.ok), phases,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`soak: ${summary.ok ? 'ok' : 'FAILED'} in ${summary.seconds} s, ${failures} wrong results; ` +
    `${path.relative(process.cwd(), OUT)}`);
  process.exitCode = summary.ok ? 0 : 1;
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
