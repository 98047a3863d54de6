// lib/model-check/rules.ts: each rule refuses its reproducer (stress/lib/hostile.ts), a model the flatbuffer
// verifier accepts, so the rule is what stands between it and the crash its comment names. The corpus side (no
// rule refuses a real model) is test/corpus.test.ts and test/bad-input.test.ts. Also: a model given by path is read
// in 64 KiB pages, not whole, and reads past the bytes are a typed verdict, never a RangeError.
import fs from 'fs';
import path from 'path';
import { Interpreter } from '../dist/cjs';
import { bufferBytes, checkModelGraph, fileBytes } from '../dist/cjs/model-check';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { hostile, xnnpackHazards } = require('../stress/lib/hostile') as {
  hostile: Record<string, () => Buffer>; xnnpackHazards: Record<string, () => Buffer> };

const RULE_OF: Record<string, string> = {
  optionalInputWhereNoneIsAllowed: 'operatorTensors',
  hugeDimension: 'tensorShapes',
  outputOutOfRange: 'subgraphIO',
  signatureSubgraphOutOfRange: 'signatures',
  selfLoop: 'executionOrder',
  readVariableOverread: 'readVariableSize',
  noSubgraphs: 'noSubgraphs',
  nanScale: 'quantizationScales',
  zeroScale8bit: 'scaled8bit',
  opcodeOutOfRange: 'operatorTensors',
  writesInput: 'singleWriter',
  zeroStride: 'windowOptions',
  badGroups: 'groupedConvolution',
  mulMixedTypes: 'mulSameType',
  whileMissingSubgraph: 'controlFlow',
  signatureTensorOutOfRange: 'signatures',
};

test('every hostile model has its rule here', () => {
  expect(Object.keys(hostile).sort()).toEqual(Object.keys(RULE_OF).sort());
});

test.each(Object.entries(RULE_OF))('hostile.%s is refused by %s, with ERR_TFLITE_MODEL_INVALID', (name, rule) => {
  const bytes = hostile[name]();
  const report = checkModelGraph(bufferBytes(bytes));
  expect(report.rule).toBe(rule);
  let error: unknown;
  try {
    new Interpreter(bytes).dispose();
  } catch (e) {
    error = e;
  }
  // the verifier accepted it: the message is the graph check's, not TFLite's
  expect(error).toMatchObject({ code: 'ERR_TFLITE_MODEL_INVALID', message: expect.stringContaining("graph is invalid") });
});

test('xnnpackHazards.deadOperator loads, without XNNPACK (deadOutputs)', () => {
  const bytes = xnnpackHazards.deadOperator();
  const report = checkModelGraph(bufferBytes(bytes));
  expect(report.problem).toBeNull();
  expect(report.xnnpackHazard).toMatch(/nothing uses/);
  const it = new Interpreter(bytes);
  expect(it.delegates.find((d) => d.name === 'xnnpack')?.applied ?? false).toBe(false);
  it.dispose();
});

test('reads outside the bytes end the check quietly (the verifier owns that verdict), never a RangeError', () => {
  const add = fs.readFileSync(path.join(__dirname, 'fixtures/add.tflite'));
  for (let cut = 0; cut < add.length; cut += 7) {
    const report = checkModelGraph(bufferBytes(add.subarray(0, cut)));
    expect(report.problem === null || typeof report.problem === 'string').toBe(true);
  }
});

test('a model given by path is read in 64 KiB pages, not whole', () => {
  const model = path.join(__dirname, 'corpus/models/mediapipe/hand_landmark_lite.tflite');
  const read = jest.spyOn(fs, 'readSync');
  // readSync(fd, buffer, offset, length, position): the paged reader's form (spyOn types the calls by the first overload)
  const length = (call: unknown[]) => call[3] as number;
  const fd = fs.openSync(model, 'r');
  try {
    expect(checkModelGraph(fileBytes(fd)).problem).toBeNull();
    expect(read.mock.calls.length).toBeGreaterThan(1);
    const bytes = read.mock.calls.reduce((sum, call) => sum + length(call), 0);
    const size = fs.fstatSync(fd).size;
    // measured: 22 pages, 1.42 MB of this 2.07 MB model (the pages holding its structure and buffer headers)
    expect(read.mock.calls.every((call) => length(call) <= 64 * 1024)).toBe(true);
    expect(bytes).toBeLessThan(size * 0.8);
  } finally {
    fs.closeSync(fd);
    read.mockRestore();
  }
});
