'use strict';
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
const crypto = require('crypto');
const path = require('path');
const { promisify } = require('util');
const { monitorEventLoopDelay } = require('perf_hooks');
const { fillInput } = require('./engines/common');

const root = path.resolve(__dirname, '..');
const { Interpreter, createPool } = require(process.env.TFLITE_RUNTIME_DIST || path.join(root, 'dist', 'cjs'));

const [model, secondsText = '3', roundsText = '3'] = process.argv.slice(2);
const seconds = Number(secondsText);
const rounds = Number(roundsText);

function make() {
  const it = new Interpreter(model, { threads: 1 });
  it.allocateTensors();
  const view = it.input(0).data;
  const src = fillInput(new view.constructor(view.length));
  const out = it.output(0).data;
  const dst = new out.constructor(out.length);
  return { it, view, src, out, dst };
}

async function timed(loops, warmupMs = 300) {
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
  const immediate = () => new Promise((resolve) => setImmediate(resolve));
  const syncStep = (s) => async () => { s.view.set(s.src); s.it.invoke(); s.dst.set(s.out); await immediate(); };
  const asyncStep = (s) => async () => { s.view.set(s.src); await s.it.invokeAsync(); s.dst.set(s.out); };
  const poolStep = (src) => async () => { await pool.run([src]); };
  // pbkdf2 iterations that take as long as one invoke
  const pbkdf2 = promisify(crypto.pbkdf2);
  let t = performance.now();
  for (let i = 0; i < 20; i++) a.it.invoke();
  const invokeMs = (performance.now() - t) / 20;
  t = performance.now();
  await pbkdf2('x', 's', 20000, 32, 'sha256');
  const iterations = Math.max(1, Math.round((invokeMs / (performance.now() - t)) * 20000));
  const nodeStep = () => async () => { await pbkdf2('x', 's', iterations, 32, 'sha256'); };
  const modes = {
    sync1: () => timed([syncStep(a)]),
    async1: () => timed([asyncStep(a)]),
    async2: () => timed([asyncStep(a), asyncStep(b)]),
    pool2: () => timed([poolStep(a.src), poolStep(a.src)]),
    node1: () => timed([nodeStep()]),
    node2: () => timed([nodeStep(), nodeStep()]),
  };
  const results = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
  const order = Object.keys(modes);
  for (let r = 0; r < rounds; r++) {
    const rotated = order.slice(r % order.length).concat(order.slice(0, r % order.length));
    for (const mode of rotated) {
      results[mode].push(await modes[mode]());
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
