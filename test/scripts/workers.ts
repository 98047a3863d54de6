// N worker_threads each load the model and run it; every result must equal the main thread's.
import { Interpreter } from 'tflite-runtime';
import { Worker, isMainThread, parentPort, workerData } from 'worker_threads';
import { fixture } from '../../stress/lib/fixtures';

function run(n: number): Promise<number[]> {
  const loop = require(fixture('loop.json')) as { x: number[] };
  const it = new Interpreter(fixture('loop.tflite'));
  it.allocateTensors();
  it.input('x').set(Float32Array.from(loop.x));
  it.input('n').set(Int32Array.of(n));
  return it.invokeAsync().then(() => {
    const out = Array.from(it.output(0, 'float32').get());
    it.dispose();
    return out;
  });
}

if (!isMainThread) {
  run((workerData as { n: number }).n).then((out) => parentPort!.postMessage(out));
} else {
  const count = Number(process.argv[2] || 4);
  const n = 500;
  run(n).then(async (reference) => {
    const results = await Promise.all(Array.from({ length: count }, () => new Promise<number[]>((resolve, reject) => {
      const worker = new Worker(__filename, { workerData: { n } });
      worker.once('message', resolve);
      worker.once('error', reject);
    })));
    const same = results.every((r) => r.length === 64 && r.every((v, i) => v === reference[i]));
    console.log(JSON.stringify({ ok: same, workers: results.length }));
  });
}
