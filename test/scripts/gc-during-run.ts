// Started with --expose-gc: drops every reference to an interpreter (and its model Buffer) while an async run is in
// flight, forces GC, and checks the run still completes with the right result.
import * as fs from 'fs';
import { Interpreter, type RunOutputs } from 'tflite-runtime';
import { fixture } from '../../stress/lib/fixtures';

const loop = require(fixture('loop.json')) as { x: number[] };
const gc = global.gc as () => void;

async function main() {
  let promise!: Promise<void>;
  let output!: Float32Array;
  (() => {
    const it = new Interpreter(fs.readFileSync(fixture('loop.tflite')), { xnnpack: false });
    it.allocateTensors();
    it.input('x').set(Float32Array.from(loop.x));
    it.input('n').set(Int32Array.of(20000));
    output = it.output(0, 'float32').data; // a view kept across the run
    promise = it.invokeAsync();
  })();
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await promise;
  gc();
  const finite = Array.from(output).every(Number.isFinite);

  // A signature runner keeps running when its interpreter object is dropped and collected mid-run.
  let runnerPromise!: Promise<RunOutputs>;
  (() => {
    const runner = new Interpreter(fixture('signatures.tflite')).getSignatureRunner('mul');
    runner.allocateTensors();
    runnerPromise = runner.runAsync({ x: Float32Array.of(1.5, -2), y: Float32Array.of(4, 0.5) });
  })();
  gc();
  const product = Array.from((await runnerPromise).product as Float32Array);
  console.log(JSON.stringify({ ok: finite && output.length === 64, product }));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
