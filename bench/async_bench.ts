// Async section, run as a child of run.js:  node async_bench.js MODEL SECONDS ROUNDS
// For MODEL (threads 1, XNNPACK on) measures, alternating the modes round by round:
//   sync1    one interpreter, invoke() in a loop that yields to the event loop between calls (setImmediate)
//   async1   one interpreter, await invokeAsync() in a loop
//   async2   two interpreters (1 thread each), two concurrent invokeAsync loops
//   pool2    createPool(model, { size: 2, threads: 1 }) with two concurrent pool.run() loops (copies in/out)
//   node1 / node2  Node without the addon: one / two concurrent loops of crypto.pbkdf2 jobs sized to the model's
//            invoke time, also on the libuv pool: what Node itself does to the event loop under the same load
// throughput (runs/s) and the event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while it ran.
// Prints one JSON object.
import * as crypto from 'crypto';
import { promisify } from 'util';
import { monitorEventLoopDelay } from 'perf_hooks';
import { fillInput, like, viewOf } from './engines/common';

import { loadLibrary } from '../stress/lib/runtime';
const { Interpreter, createPool } = loadLibrary();

const [model = '', secondsText = '3', roundsText = '3'] = process.argv.slice(2);
const seconds = Number(secondsText);
const rounds = Number(roundsText);

function make() {
  const it = new Interpreter(model, { threads: 1 });
  it.allocateTensors();
  const view = viewOf(it.input(0).data);
  const src = fillInput(like(view));
  const out = viewOf(it.output(0).data);
  const dst = like(out);
  return { it, view, src, out, dst };
}

type Step = () => Promise<unknown>;

async function timed(loops: Step[], warmupMs = 300) {
  // Warm-up (not measured), then run every loop until the deadline.
  let deadline = performance.now() + warmupMs;
  await Promise.all(loops.map(async (step) => { while (performance.now() < deadline) await step(); }));
  const h = monitorEventLoopDelay({ resolution: 1 });
  let runs = 0;
  const t0 = performance.now();
  deadline = t0 + seconds * 1000;
  h.enable();
  await Promise.all(loops.map(async (step) => {
    while (performance.now() < deadline) { await step(); runs++; }
  }));
  h.disable();
  const elapsed = (performance.now() - t0) / 1000;
  return { runs, seconds: elapsed, perSecond: runs / elapsed, lagP50Ms: h.percentile(50) / 1e6,
    lagP99Ms: h.percentile(99) / 1e6, lagMaxMs: h.max / 1e6 };
}

async function main() {
  const a = make();
  const b = make();
  const pool = await createPool(model, { size: 2, threads: 1 });
  type Slot = ReturnType<typeof make>;
  const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const syncStep = (s: Slot): Step => async () => { s.view.set(s.src); s.it.invoke(); s.dst.set(s.out); await immediate(); };
  const asyncStep = (s: Slot): Step => async () => { s.view.set(s.src); await s.it.invokeAsync(); s.dst.set(s.out); };
  const poolStep = (src: Float32Array): Step => async () => { await pool.run([src]); };
  // pbkdf2 iterations that take as long as one invoke
  const pbkdf2 = promisify(crypto.pbkdf2);
  let t = performance.now();
  for (let i = 0; i < 20; i++) a.it.invoke();
  const invokeMs = (performance.now() - t) / 20;
  t = performance.now();
  await pbkdf2('x', 's', 20000, 32, 'sha256');
  const iterations = Math.max(1, Math.round((invokeMs / (performance.now() - t)) * 20000));
  const nodeStep = (): Step => async () => { await pbkdf2('x', 's', iterations, 32, 'sha256'); };
  const modes: Record<string, () => ReturnType<typeof timed>> = {
    sync1: () => timed([syncStep(a)]),
    async1: () => timed([asyncStep(a)]),
    async2: () => timed([asyncStep(a), asyncStep(b)]),
    pool2: () => timed([poolStep(a.src), poolStep(a.src)]),
    node1: () => timed([nodeStep()]),
    node2: () => timed([nodeStep(), nodeStep()]),
  };
  const results: Record<string, Awaited<ReturnType<typeof timed>>[]> = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
  const order = Object.keys(modes);
  for (let r = 0; r < rounds; r++) {
    const rotated = order.slice(r % order.length).concat(order.slice(0, r % order.length));
    for (const mode of rotated) {
      results[mode]!.push(await modes[mode]!());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  a.it.dispose();
  b.it.dispose();
  pool.dispose();
  process.stdout.write(JSON.stringify({ model, seconds, rounds, uvThreadpool: process.env.UV_THREADPOOL_SIZE || '4',
    invokeMs, pbkdf2Iterations: iterations, results }) + '\n');
}

main().catch((error) => { console.error(error); process.exit(1); });
