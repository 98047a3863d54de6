#!/usr/bin/env node
// The Python tf.lite.Interpreter flow, in Node: load, allocate, set inputs, invoke, read outputs.
//   node examples/quickstart.js [model.tflite]
// With no argument it runs test/fixtures/convnet.tflite (a small conv net with random weights) on a random image.
'use strict';
const path = require('path');
const { Interpreter, version } = require('..');

const modelPath = process.argv[2] || path.join(__dirname, '..', 'test', 'fixtures', 'convnet.tflite');
const interpreter = new Interpreter(modelPath, { threads: 2 }); // XNNPACK on by default
interpreter.allocateTensors();

for (const input of interpreter.inputs) {
  // Fill each input with something of the right type: random floats, small integers, or strings.
  if (input.dtype === 'string') input.set(Array.from({ length: input.elementCount }, (_, i) => `sample ${i}`));
  else if (input.dtype.startsWith('float')) input.set(Array.from({ length: input.elementCount }, () => Math.random()));
  else if (input.dtype === 'int64' || input.dtype === 'uint64') input.set(Array(input.elementCount).fill(1n));
  else input.set(Array(input.elementCount).fill(1));
}

const started = process.hrtime.bigint();
interpreter.invoke();
const ms = Number(process.hrtime.bigint() - started) / 1e6;

console.log(`TFLite ${version.tflite}, tflite-runtime ${version.addon}`);
console.log(`model: ${modelPath}`);
console.log(`delegates: ${JSON.stringify(interpreter.delegates)}`);
for (const output of interpreter.outputs) {
  const values = output.get();
  const preview = Array.from(values.slice(0, 10), (v) => (typeof v === 'number' ? Number(v.toFixed(4)) : v));
  console.log(`output ${output.name} ${output.dtype}[${output.shape}]: ${preview.join(', ')}` +
    `${values.length > 10 ? ', …' : ''}`);
  if (output.dtype === 'float32' && output.shape.length === 2 && output.shape[0] === 1) {
    const top = Array.from(values, (v, i) => [v, i]).sort((a, b) => b[0] - a[0])[0];
    console.log(`top class: ${top[1]} (score ${top[0].toFixed(4)})`);
  }
}
console.log(`invoke: ${ms.toFixed(2)} ms`);
interpreter.dispose();
