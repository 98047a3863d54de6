// Started with --expose-gc: drops every reference to an interpreter (and its model Buffer) while an async run is in
// flight, forces GC, and checks the run still completes with the right result.
'use strict';
const fs = require('fs');
const path = require('path');
const { Interpreter } = require('../../dist/cjs');

const loop = require('../fixtures/loop.json');
async function main() {
  let promise;
  let output;
  (() => {
    const it = new Interpreter(fs.readFileSync(path.join(__dirname, '../fixtures/loop.tflite')), { xnnpack: false });
    it.allocateTensors();
    it.input('x').set(Float32Array.from(loop.x));
    it.input('n').set(Int32Array.of(20000));
    output = it.output(0).data; // a view kept across the run
    promise = it.invokeAsync();
  })();
  for (let i = 0; i < 5; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await promise;
  global.gc();
  const finite = Array.from(output).every(Number.isFinite);

  // A signature runner keeps running when its interpreter object is dropped and collected mid-run.
  let runnerPromise;
  (() => {
    const runner = new Interpreter(path.join(__dirname, '../fixtures/signatures.tflite')).getSignatureRunner('mul');
    runner.allocateTensors();
    runnerPromise = runner.runAsync({ x: Float32Array.of(1.5, -2), y: Float32Array.of(4, 0.5) });
  })();
  global.gc();
  const product = Array.from((await runnerPromise).product);
  console.log(JSON.stringify({ ok: finite && output.length === 64, product }));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
