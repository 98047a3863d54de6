'use strict';
// Hand-made hostile models for the bad-input table and the leak check: a fixture with one field corrupted in a way
// TFLite's flatbuffer verifier accepts (each was a process crash before lib/model-check.ts).
const fs = require('fs');
const path = require('path');
const { mapModel } = require('./tflite-map');

const fixtures = path.resolve(__dirname, '..', '..', 'test', 'fixtures');
const seeds = path.resolve(__dirname, '..', 'seeds');

function patch(fixture, kind, nth, value) {
  const file = fs.existsSync(path.join(fixtures, fixture)) ? path.join(fixtures, fixture) : path.join(seeds, fixture);
  const bytes = Buffer.from(fs.readFileSync(file));
  const slots = mapModel(bytes).slots.filter((s) => s.kind === kind);
  const slot = slots[nth];
  if (!slot) throw new Error(`${fixture} has no ${kind} #${nth}`);
  if (slot.width === 4) bytes.writeInt32LE(value, slot.at);
  else bytes.writeUInt8(value, slot.at);
  const aligned = Buffer.alloc(bytes.length);
  bytes.copy(aligned);
  return aligned;
}

const hostile = {
  /** RESHAPE's shape input is -1 ("no tensor"): reshape::Prepare dereferenced NULL. */
  optionalInputWhereNoneIsAllowed: () => patch('dtypes_float64.tflite', 'op_tensor', 1, -1),
  /** A [2147483647, 4] input: 8.6e9 elements, past TFLite's int element counts (std::bad_alloc, then abort). */
  hugeDimension: () => patch('add.tflite', 'dim', 0, 0x7fffffff),
  /** The subgraph's output is tensor 99 of 5: TFLite reports it, goes on, and XNNPACK aborts. */
  outputOutOfRange: () => patch('add_mul.tflite', 'subgraph_io', 3, 99),
  /** A signature naming subgraph 7 of 2: the runner is built over a NULL subgraph. */
  signatureSubgraphOutOfRange: () => patch('signatures.tflite', 'subgraph_index', 0, 7),
  /** ADD reads its own output: the delegate partitioner walks off the graph. */
  selfLoop: () => patch('add.tflite', 'op_tensor', 0, 2),
  /** READ_VARIABLE declares 46341 floats of a 2-float variable: the kernel copied 185 KB out of an 8-byte buffer. */
  readVariableOverread: () => patch('var.tflite', 'dim', 3, 46341),
};

module.exports = { hostile, patch };
