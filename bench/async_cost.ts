// Where the extra time of invokeAsync goes on a conv net: run N invokes one way (sync or async) in one process, so
// `perf stat` can count its CPU time, context switches and CPU migrations. Used for the README's "missed targets":
//   perf stat -e task-clock,context-switches,cpu-migrations -- node dist-tools/bench/async_cost.js MODEL sync
//   perf stat -e task-clock,context-switches,cpu-migrations -- node dist-tools/bench/async_cost.js MODEL async
// (MODEL: bench/.cache/mobilenet_v2_f32.tflite after a bench run.) Prints the wall time per run on stderr.
import { fillInput, like, viewOf } from './engines/common';

import { loadLibrary } from '../stress/lib/runtime';
const { Interpreter } = loadLibrary();

const [model, mode, runsText = '600', threadsText = '1'] = process.argv.slice(2);
// sync-noinput / async-noinput: the input is written once, not before every run (is the cost in moving it between
// cores?).
if (!model || !mode || !['sync', 'async', 'sync-noinput', 'async-noinput'].includes(mode)) {
  console.error('usage: node dist-tools/bench/async_cost.js MODEL sync|async|sync-noinput|async-noinput [RUNS=600] [THREADS=1]');
  process.exit(2);
}
const runs = Number(runsText);
const it = new Interpreter(model, { threads: Number(threadsText) });
it.allocateTensors();
const view = viewOf(it.input(0).data);
const src = fillInput(like(view));

(async () => {
  const t0 = process.hrtime.bigint();
  const everyRun = !mode.endsWith('-noinput');
  view.set(src);
  for (let i = 0; i < runs; i++) {
    if (everyRun) view.set(src);
    if (mode.startsWith('sync')) it.invoke();
    else await it.invokeAsync();
  }
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / runs;
  console.error(`${mode}: ${us.toFixed(0)} µs per run over ${runs} runs`);
  it.dispose();
})();
