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
import { fillInput, like, viewOf } from './engines/common';
import { settledMemory, type SettledMemory } from '../stress/lib/settled-memory';

import { loadLibrary } from '../stress/lib/runtime';
const { Interpreter } = loadLibrary();
if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');

const [model = '', cyclesText, invokesText, asyncText] = process.argv.slice(2);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type Sample = SettledMemory & { done: number };

async function sample(done: number): Promise<Sample> {
  return { done, ...(await settledMemory()) };
}

function summarize(samples: Sample[]) {
  const last = samples[samples.length - 1]!;
  const warm = samples.find((s) => s.done >= last.done * 0.25) || samples[0]!;
  const mid = samples.find((s) => s.done >= last.done * 0.5) || samples[0]!;
  const after = samples.filter((s) => s.done >= warm.done);
  const span = (k: keyof SettledMemory): number => Math.max(...after.map((s) => s[k])) - Math.min(...after.map((s) => s[k]));
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

async function phase(total: number, step: (i: number) => unknown) {
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
  type Phase = Awaited<ReturnType<typeof phase>>;
  const out: { model: string; execArgv: string[]; start: Sample; cycles?: Phase; invokes?: Phase; async?: Phase; end?: Sample } =
    { model, execArgv: process.execArgv, start: await sample(0) };
  out.cycles = await phase(Number(cyclesText), async () => {
    const it = new Interpreter(model);
    it.allocateTensors();
    for (const t of it.inputs) fillInput(viewOf(t.data));
    it.invoke();
    const o = viewOf(it.output(0).data);
    like(o).set(o);
    it.dispose();
    await turn();
  });
  const it = new Interpreter(model);
  it.allocateTensors();
  const views = it.inputs.map((t) => viewOf(t.data));
  const src = views.map((v) => fillInput(like(v)));
  const out0 = viewOf(it.output(0).data);
  const dst = like(out0);
  const batch = 1000;
  const invokes = await phase(Math.ceil(Number(invokesText) / batch), () => {
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < views.length; i++) views[i]!.set(src[i]!);
      it.invoke();
      dst.set(out0);
    }
    it.run(src);
  });
  invokes.count *= batch;
  invokes.samples = invokes.samples.map(([done = 0, ...rest]) => [done * batch, ...rest]);
  out.invokes = invokes;
  out.async = await phase(Number(asyncText), async () => {
    for (let i = 0; i < views.length; i++) views[i]!.set(src[i]!);
    await it.invokeAsync();
    dst.set(out0);
  });
  it.dispose();
  out.end = await sample(0);
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error) => { console.error(error); process.exit(1); });
