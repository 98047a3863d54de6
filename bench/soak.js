'use strict';
// Memory soak, run by run.js as:  node --expose-gc [V8 flags] soak.js MODEL CYCLES INVOKES ASYNC_INVOKES
//   cycles   CYCLES x (new Interpreter(MODEL), allocateTensors, write input view, invoke, read output, dispose),
//            yielding to the event loop after each cycle as a server would (N-API runs the wrappers' finalizers
//            from the event loop, so a loop that never turns holds them until it does)
//   invokes  INVOKES x (write input view, invoke, copy output view out) on one interpreter, 1000 per step, plus one
//            run() per step
//   async    ASYNC_INVOKES x await invokeAsync() on one interpreter
// Memory is sampled after forced GCs (with event-loop turns in between) at ~20 points per phase: RSS, V8 heapTotal
// (what V8 has committed), heapUsed, external. Drift = last sample - the first sample at or after 25% of the phase
// (the warm-up: malloc's arenas and V8's heap reach their working size); tail slope = RSS growth per 1000 operations
// over the second half (a leak shows as a steady slope, warm-up does not).
// Prints one JSON object.
const path = require('path');
const { fillInput } = require('./engines/common');
const { settledMemory } = require('../dist-tools/stress/lib/settled-memory');

const root = path.resolve(__dirname, '..');
const { Interpreter } = require(process.env.TFLITE_RUNTIME_DIST || path.join(root, 'dist', 'cjs'));
if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');

const [model, cyclesText, invokesText, asyncText] = process.argv.slice(2);
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function sample(done) {
  return { done, ...(await settledMemory()) };
}

function summarize(samples) {
  const last = samples[samples.length - 1];
  const warm = samples.find((s) => s.done >= last.done * 0.25) || samples[0];
  const mid = samples.find((s) => s.done >= last.done * 0.5) || samples[0];
  const after = samples.filter((s) => s.done >= warm.done);
  const span = (k) => Math.max(...after.map((s) => s[k])) - Math.min(...after.map((s) => s[k]));
  return {
    warmupAt: warm.done,
    rssAfterWarmupMB: warm.rss,
    rssLastMB: last.rss,
    rssDriftMB: last.rss - warm.rss,
    rssSpanMB: span('rss'),
    heapTotalDriftMB: last.heapTotal - warm.heapTotal,
    nonHeapDriftMB: (last.rss - last.heapTotal) - (warm.rss - warm.heapTotal),
    tailKBPer1000: last.done > mid.done ? ((last.rss - mid.rss) * 1024) / ((last.done - mid.done) / 1000) : 0,
  };
}

async function phase(total, step) {
  const every = Math.max(1, Math.floor(total / 20));
  const samples = [await sample(0)];
  const t0 = performance.now();
  for (let i = 1; i <= total; i++) {
    await step(i);
    if (i % every === 0 || i === total) samples.push(await sample(i));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { count: total, seconds, ...summarize(samples),
    samples: samples.map((s) => [s.done, +s.rss.toFixed(2), +s.heapTotal.toFixed(2), +s.heapUsed.toFixed(2),
      +s.external.toFixed(2)]) };
}

async function main() {
  const out = { model, execArgv: process.execArgv, start: await sample(0) };
  out.cycles = await phase(Number(cyclesText), async () => {
    const it = new Interpreter(model);
    it.allocateTensors();
    for (const t of it.inputs) fillInput(t.data);
    it.invoke();
    const o = it.output(0).data;
    new o.constructor(o.length).set(o);
    it.dispose();
    await turn();
  });
  const it = new Interpreter(model);
  it.allocateTensors();
  const views = it.inputs.map((t) => t.data);
  const src = views.map((v) => fillInput(new v.constructor(v.length)));
  const out0 = it.output(0).data;
  const dst = new out0.constructor(out0.length);
  const batch = 1000;
  out.invokes = await phase(Math.ceil(Number(invokesText) / batch), () => {
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < views.length; i++) views[i].set(src[i]);
      it.invoke();
      dst.set(out0);
    }
    it.run(src);
  });
  out.invokes.count *= batch;
  out.invokes.samples = out.invokes.samples.map(([done, ...rest]) => [done * batch, ...rest]);
  out.async = await phase(Number(asyncText), async () => {
    for (let i = 0; i < views.length; i++) views[i].set(src[i]);
    await it.invokeAsync();
    dst.set(out0);
  });
  it.dispose();
  out.end = await sample(0);
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error) => { console.error(error); process.exit(1); });
