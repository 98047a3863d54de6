// The addon's graph rules (native/model_check_rules.cc): each refuses its reproducer (stress/lib/hostile.ts), a model
// the flatbuffer verifier accepts, so the rule is what stands between it and the crash its comment names. The corpus
// side (no rule refuses a real model) is test/corpus.test.ts and test/bad-input.test.ts. Also: a model given by path
// is checked on TFLite's own mapping of the file (never read again), and bytes the verifier refuses never reach the
// graph check.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Interpreter } from '../dist/cjs';
import { graphReport } from './helpers';
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
  const report = graphReport(bytes);
  expect(report).not.toBeNull(); // the verifier accepts it
  expect(report!.rule).toBe(rule);
  expect(report!.problem).toEqual(expect.any(String));
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
  const report = graphReport(bytes);
  expect(report!.problem).toBeNull();
  expect(report!.xnnpackHazard).toMatch(/nothing uses/);
  const it = new Interpreter(bytes);
  expect(it.delegates.find((d) => d.name === 'xnnpack')?.applied ?? false).toBe(false);
  it.dispose();
});

test('bytes the verifier refuses (every cut of add.tflite) are its verdict, never the graph check\'s', () => {
  const add = fs.readFileSync(path.join(__dirname, 'fixtures/add.tflite'));
  for (let cut = 1; cut < add.length; cut += 7) {
    expect(graphReport(add.subarray(0, cut))).toBeNull();
    let error: unknown;
    try {
      new Interpreter(add.subarray(0, cut)).dispose();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_TFLITE_MODEL_INVALID' });
    expect((error as Error).message).not.toMatch(/graph is invalid/);
  }
});

test('a model given by path is checked on TFLite\'s mapping of it: the file is not read again', () => {
  const model = path.join(__dirname, 'corpus/models/mediapipe/hand_landmark_lite.tflite');
  // the library opens the path once to fstat it (lib/file-read.ts checkRegularFile), then TFLite maps it
  const spies = (['readSync', 'readFileSync', 'read'] as const).map((name) => jest.spyOn(fs, name));
  try {
    const it = new Interpreter(model);
    it.dispose();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  expect(graphReport(model)).toMatchObject({ problem: null, rule: null });
});

test('the report names the same rule for a model given by path as for its bytes', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-rules-'));
  try {
    for (const [name, make] of Object.entries(hostile)) {
      const file = path.join(tmp, `${name}.tflite`);
      const bytes = make();
      fs.writeFileSync(file, bytes);
      expect(graphReport(file)).toEqual(graphReport(bytes));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
