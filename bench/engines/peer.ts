// Engine server for the npm peers installed in bench/.peers: `node peer.js tfjs-tflite-node|node-tflite`.
// Each one is driven through its lowest-overhead public path:
//   tfjs-tflite-node  TFLiteNodeModelRunner (what loadTFLiteModel wraps): input.data().set(src); infer(); copy
//                     output.data() out. infer() itself copies the inputs in and the outputs out (its arrays are not
//                     views on TFLite memory).
//   node-tflite       Interpreter: inputs[i].copyFrom(src); invoke(); outputs[i].copyTo(dst).
// Neither exposes XNNPACK: both run TFLite's built-in kernels (the xnnpack flag of `load` must be 0).
// Variants: full (as above) | invoke (invoke/infer alone; for tfjs infer() still copies in and out).
import * as fs from 'fs';
import * as path from 'path';
import { fillInput, measureSync, serve } from './common';

import { ROOT } from '../../stress/lib/runtime';

const which = process.argv[2]!;
const peers = process.env.BENCH_PEERS_DIR || path.join(ROOT, 'bench', '.peers', 'node_modules');
// The peers are other projects' packages, installed on a full run only: untyped here on purpose.
const lib: any = require(path.join(peers, which));

const TYPED: Record<string, new (n: number) => Float32Array | Int8Array | Uint8Array | Int32Array> = { float32: Float32Array, int8: Int8Array, uint8: Uint8Array, int32: Int32Array, Float32: Float32Array,
  Int8: Int8Array, UInt8: Uint8Array, Int32: Int32Array };
interface PeerSlot { loadUs: number; allocUs: number; full(): void; invoke(): void; close(): void }
const slots = new Map<number, PeerSlot>();

function loadTfjs(file: string, threads: number): PeerSlot {
  const bytes = fs.readFileSync(file);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const t0 = process.hrtime.bigint();
  const runner = new lib.TFLiteNodeModelRunner(ab, { threads });
  const t1 = process.hrtime.bigint();
  const inputs = runner.getInputs();
  const outputs = runner.getOutputs();
  const inData: Float32Array[] = inputs.map((t: any) => t.data());
  const outData: Float32Array[] = outputs.map((t: any) => t.data());
  const like = (d: Float32Array): Float32Array => new (d.constructor as Float32ArrayConstructor)(d.length);
  const src = inData.map((d) => fillInput(like(d)));
  const dst = outData.map(like);
  const full = () => {
    for (let i = 0; i < inData.length; i++) inData[i]!.set(src[i]!);
    runner.infer();
    for (let i = 0; i < outData.length; i++) dst[i]!.set(outData[i]!);
  };
  return { loadUs: Number(t1 - t0) / 1e3, allocUs: 0, full, invoke: () => runner.infer(), close() {} };
}

function loadNodeTflite(file: string, threads: number): PeerSlot {
  const bytes = new Uint8Array(fs.readFileSync(file)); // node-tflite reads model.buffer whole: give it its own
  const t0 = process.hrtime.bigint();
  const it = new lib.Interpreter(bytes, { numThreads: threads });
  const t1 = process.hrtime.bigint();
  it.allocateTensors();
  const t2 = process.hrtime.bigint();
  const inputs: any[] = it.inputs;
  const outputs: any[] = it.outputs;
  const make = (t: any): ArrayBufferView => { const A = TYPED[t.type] as any; return new A(t.byteSize / A.BYTES_PER_ELEMENT); };
  const src = inputs.map((t) => fillInput(make(t) as Float32Array));
  const dst = outputs.map(make);
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
