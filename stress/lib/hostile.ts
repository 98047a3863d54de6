// Hand-made hostile models for the bad-input table, the leak check and the graph rules' reproducers: a fixture with
// one field corrupted in a way TFLite's flatbuffer verifier accepts (each was a process crash before
// the graph checks, lib/model-check.ts). Each names the rule of native/model_check_rules.cc that refuses it; test/model-check-rules.test.ts
// checks that it is that rule, and that the verifier accepts the model (so the rule is what stands in the way).
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './runtime';
import { mapModel } from './tflite-map';

// from the package root, not __dirname: this module runs from the source tree (ts-jest) and from dist-tools/
const fixtures = path.join(ROOT, 'test', 'fixtures');
const seeds = path.join(ROOT, 'stress', 'seeds');

/** A copy of `fixture` (test/fixtures/ or stress/seeds/) with its `nth` slot of `kind` (tflite-map.ts) set to `value`. */
export function patch(fixture: string, kind: string, nth: number, value: number): Buffer {
  const file = fs.existsSync(path.join(fixtures, fixture)) ? path.join(fixtures, fixture) : path.join(seeds, fixture);
  const bytes = Buffer.from(fs.readFileSync(file));
  const slots = mapModel(bytes).slots.filter((s) => s.kind === kind);
  const slot = slots[nth];
  if (!slot) throw new Error(`${fixture} has no ${kind} #${nth}`);
  if (slot.width === 4) bytes.writeInt32LE(value, slot.at);
  else if (slot.width === 2) bytes.writeUInt16LE(value, slot.at);
  else bytes.writeUInt8(value & 0xff, slot.at);
  const aligned = Buffer.alloc(bytes.length);
  bytes.copy(aligned);
  return aligned;
}

export const hostile = {
  /** operatorTensors: RESHAPE's shape input is -1 ("no tensor"): reshape::Prepare dereferenced NULL. */
  optionalInputWhereNoneIsAllowed: () => patch('dtypes_float64.tflite', 'op_tensor', 1, -1),
  /** tensorShapes: a [2147483647, 4] input: 8.6e9 elements, past TFLite's int element counts (bad_alloc, abort). */
  hugeDimension: () => patch('add.tflite', 'dim', 0, 0x7fffffff),
  /** subgraphIO: the subgraph's output is tensor 99 of 5: TFLite reports it, goes on, and XNNPACK aborts. */
  outputOutOfRange: () => patch('add_mul.tflite', 'subgraph_io', 3, 99),
  /** signatures: a signature naming subgraph 7 of 2: the runner is built over a NULL subgraph. */
  signatureSubgraphOutOfRange: () => patch('signatures.tflite', 'subgraph_index', 0, 7),
  /** executionOrder: ADD reads its own output: the delegate partitioner walks off the graph. */
  selfLoop: () => patch('add.tflite', 'op_tensor', 0, 2),
  /** readVariableSize: READ_VARIABLE declares 46341 floats of a 2-float variable: a 185 KB copy from 8 bytes. */
  readVariableOverread: () => patch('var.tflite', 'dim', 3, 46341),
  /** noSubgraphs: Model.subgraphs dropped (its vtable entry zeroed): InterpreterBuilder dereferences it. */
  noSubgraphs: () => patch('add.tflite', 'vfield', 2, 0),
  /** quantizationScales: a NaN scale: QuantizeMultiplier's TFLITE_CHECK aborts. */
  nanScale: () => patch('quant_int8.tflite', 'quant_scale', 0, 0x7fc00000),
  /** scaled8bit: an int8 FULLY_CONNECTED input with scale 0: the requantization multiplier's CHECK aborts. */
  zeroScale8bit: () => patch('quant_int8.tflite', 'quant_scale', 0, 0),
  /** operatorTensors: MUL uses operator code 7 of 2: InterpreterBuilder indexes past its registrations. */
  opcodeOutOfRange: () => patch('add_mul.tflite', 'opcode_index', 0, 7),
  /** singleWriter: ADD writes tensor 0, the subgraph's input (and its own input). */
  writesInput: () => patch('add.tflite', 'op_tensor', 2, 0),
  /** windowOptions: CONV_2D with stride_w 0: TFLite and XNNPACK divide by it (SIGFPE). */
  zeroStride: () => patch('convnet.tflite', 'option', 0, 0),
  /** groupedConvolution: convnet's input 1 channel deep under a 3-deep filter of 8 outputs: 8 % 3 in the kernel. */
  badGroups: () => patch('convnet.tflite', 'dim', 3, 1),
  /** mulSameType: a complex64 MUL whose input is declared int32: the kernel reads it as complex64, past its buffer. */
  mulMixedTypes: () => patch('dtypes_complex64.tflite', 'tensor_type', 0, 2),
  /** controlFlow: WHILE's cond_subgraph_index is 9 of 3: the kernel runs a NULL subgraph. */
  whileMissingSubgraph: () => patch('loop.tflite', 'option', 0, 9),
  /** signatures: a signature naming tensor 50 of 3. */
  signatureTensorOutOfRange: () => patch('signatures.tflite', 'signature_tensor', 0, 50),
} satisfies Record<string, () => Buffer>;

/**
 * Models that load, but without XNNPACK (GraphReport.xnnpackHazard): not in `hostile`, whose models all fail.
 */
export const xnnpackHazards = {
  /** deadOutputs: MUL reads the subgraph input instead of ADD's output, so nothing uses ADD's: XNNPACK aborted. */
  deadOperator: () => patch('add_mul.tflite', 'op_tensor', 3, 0),
} satisfies Record<string, () => Buffer>;
