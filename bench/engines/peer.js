'use strict';
// Engine server for the npm peers installed in bench/.peers: `node peer.js tfjs-tflite-node|node-tflite`.
// Each one is driven through its lowest-overhead public path:
//   tfjs-tflite-node  TFLiteNodeModelRunner (what loadTFLiteModel wraps): input.data().set(src); infer(); copy
//                     output.data() out. infer() itself copies the inputs in and the outputs out (its arrays are not
//                     views on TFLite memory).
//   node-tflite       Interpreter: inputs[i].copyFrom(src); invoke(); outputs[i].copyTo(dst).
// Neither exposes XNNPACK: both run TFLite's built-in kernels (the xnnpack flag of `load` must be 0).
// Variants: full (as above) | invoke (invoke/infer alone; for tfjs infer() still copies in and out).
const fs = require('fs');
const path = require('path');
const { fillInput, measureSync, serve } = require('./common');

const which = process.argv[2];
const peers = process.env.BENCH_PEERS_DIR || path.resolve(__dirname, '..', '.peers', 'node_modules');
const lib = require(path.join(peers, which));

const TYPED = { float32: Float32Array, int8: Int8Array, uint8: Uint8Array, int32: Int32Array, Float32: Float32Array,
  Int8: Int8Array, UInt8: Uint8Array, Int32: Int32Array };
const slots = new Map();

function loadTfjs(file, threads) {
  const bytes = fs.readFileSync(file);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const t0 = process.hrtime.bigint();
  const runner = new lib.TFLiteNodeModelRunner(ab, { threads });
  const t1 = process.hrtime.bigint();
  const inputs = runner.getInputs();
  const outputs = runner.getOutputs();
  const inData = inputs.map((t) => t.data());
  const outData = outputs.map((t) => t.data());
  const src = inData.map((d) => fillInput(new d.constructor(d.length)));
  const dst = outData.map((d) => new d.constructor(d.length));
  const full = () => {
    for (let i = 0; i < inData.length; i++) inData[i].set(src[i]);
    runner.infer();
    for (let i = 0; i < outData.length; i++) dst[i].set(outData[i]);
  };
  return { loadUs: Number(t1 - t0) / 1e3, allocUs: 0, full, invoke: () => runner.infer(), close() {} };
}

function loadNodeTflite(file, threads) {
  const bytes = new Uint8Array(fs.readFileSync(file)); // node-tflite reads model.buffer whole: give it its own
  const t0 = process.hrtime.bigint();
  const it = new lib.Interpreter(bytes, { numThreads: threads });
  const t1 = process.hrtime.bigint();
  it.allocateTensors();
  const t2 = process.hrtime.bigint();
  const inputs = it.inputs;
  const outputs = it.outputs;
  const src = inputs.map((t) => fillInput(new TYPED[t.type](t.byteSize / TYPED[t.type].BYTES_PER_ELEMENT)));
  const dst = outputs.map((t) => new TYPED[t.type](t.byteSize / TYPED[t.type].BYTES_PER_ELEMENT));
  const full = () => {
    for (let i = 0; i < inputs.length; i++) inputs[i].copyFrom(src[i]);
    it.invoke();
    for (let i = 0; i < outputs.length; i++) outputs[i].copyTo(dst[i]);
  };
  return { loadUs: Number(t1 - t0) / 1e3, allocUs: Number(t2 - t1) / 1e3, full, invoke: () => it.invoke(),
    close() {} };
}

serve({
  load(id, threads, xnnpack, file) {
    if (xnnpack) throw new Error(`${which} has no XNNPACK option`);
    const s = which === 'tfjs-tflite-node' ? loadTfjs(file, threads) : loadNodeTflite(file, threads);
    slots.set(id, s);
    return { loadUs: s.loadUs, allocUs: s.allocUs, xnnpack: false };
  },
  run(id, variant, iters, batch, warmup) {
    const s = slots.get(id);
    if (!s) throw new Error(`slot ${id} not loaded`);
    if (variant !== 'full' && variant !== 'invoke') throw new Error(`unknown variant ${variant}`);
    return measureSync(s[variant], iters, batch, warmup);
  },
  free(id) {
    const s = slots.get(id);
    if (s) s.close();
    slots.delete(id);
  },
});
