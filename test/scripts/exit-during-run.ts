// Exits the process (or the worker, with --worker) while a long async run is in flight: must end cleanly and fast.
// The library is required where it is used: with --worker the main thread loads it only after its workers died.
import type * as Runtime from 'tflite-runtime';
import { Worker, isMainThread, parentPort } from 'worker_threads';
import { fixture } from '../../stress/lib/fixtures';

const library = (): typeof Runtime => require('tflite-runtime');

function startLongRun() {
  const it = new (library().Interpreter)(fixture('loop.tflite'), { xnnpack: false });
  it.allocateTensors();
  it.input('n').set(Int32Array.of(100000000)); // minutes of work if nobody stops it
  it.invokeAsync().catch(() => {});
  return it;
}

if (!isMainThread) {
  startLongRun();
  parentPort!.postMessage('running');
} else if (process.argv.includes('--worker')) {
  const started = Date.now();
  const workers = [0, 1].map(() => new Worker(__filename));
  Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))))
    .then(() => new Promise((resolve) => setTimeout(resolve, 100)))
    .then(() => Promise.all(workers.map((w) => w.terminate())))
    .then(() => {
      // the main thread still works after its workers died mid-run
      const it = new (library().Interpreter)(fixture('add.tflite'));
      it.allocateTensors();
      it.input(0, 'float32').data.fill(1);
      it.input(1, 'float32').data.fill(2);
      it.invoke();
      console.log(JSON.stringify({ ok: it.output(0, 'float32').data[0] === 3, ms: Date.now() - started }));
    });
} else {
  startLongRun();
  setTimeout(() => process.exit(0), 100);
}
