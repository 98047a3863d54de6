// Hostile use, round two (issue #16): what a new user or an attacker tried with only the README, each case that
// crashed, hung or answered untyped. Crash and hang cases run in a child process (a crash must fail the test, not
// end jest); each asserts the clean outcome or the TfLiteError code.
import { constants as bufferConstants } from 'buffer';
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { inspect } from 'util';
import * as lib from '../dist/cjs';
import { native } from '../dist/cjs/binding';
import { fixture, caught, rejected, wrongType } from './helpers';

const { Interpreter, TfLiteError } = lib;
type Interpreter = lib.Interpreter;

const ROOT = path.resolve(__dirname, '..');
const MEDIAPIPE = path.join(__dirname, 'corpus', 'models', 'mediapipe');
const CLI = path.join(ROOT, 'bin', 'tflite-runtime.js');
const BITS_32 = ['arm', 'ia32'].includes(process.arch);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-hostile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `body` (an async function body with lib, Interpreter, fixture paths in scope) in a fresh node process. */
/** What child() reports. */
interface ChildResult { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function child(body: string, { timeout = 60000 } = {}): ChildResult {
  const script = `
    const lib = require(${JSON.stringify(path.join(ROOT, 'dist', 'cjs'))});
    const { Interpreter } = lib;
    const fs = require('fs');
    const F = ${JSON.stringify(path.join(__dirname, 'fixtures') + path.sep)};
    const M = ${JSON.stringify(MEDIAPIPE + path.sep)};
    (async () => { ${body} })().then(() => process.exit(0), (e) => {
      console.log(JSON.stringify({ thrown: e && e.code, message: String(e && e.message) }));
      process.exit(3);
    });`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The child ended normally (no signal, no timeout) with exit status 0. */
function expectClean(r: ChildResult) {
  expect({ signal: r.signal, status: r.status, stderr: r.status === 0 ? '' : r.stderr, stdout: r.stdout })
    .toMatchObject({ signal: null, status: 0 });
}

/** The child's last line is the JSON a test printed. */
const lastJson = (r: ChildResult) => JSON.parse(r.stdout.trim().split('\n').pop()!);

// What hand_landmark_lite computes for a constant input, printed by each child twice: from the bytes the caller took
// away, then from the file (the reference, computed in the same process with the same settings).
const RUN_AND_PRINT = `
  const outputOf = (interpreter) => {
    interpreter.allocateTensors();
    interpreter.input(0).data.fill(0.5); // arena memory is not zeroed: set every input
    interpreter.invoke();
    return Array.from(interpreter.output(0).get().slice(0, 8));
  };
  console.log(JSON.stringify({ got: outputOf(it), reference: outputOf(new Interpreter(M + 'hand_landmark_lite.tflite')) }));`;
const expectReference = (r: ChildResult) => {
  const { got, reference } = lastJson(r);
  expect(got).toEqual(reference);
};

describe('1. model bytes the caller takes away after loading are ours (copied), not freed under TFLite', () => {
  const load = `const b = fs.readFileSync(M + 'hand_landmark_lite.tflite');
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.length);`;

  test('an ArrayBuffer transferred to a worker that exits', () => {
    const r = child(`${load}
      const it = new Interpreter(ab);
      const { Worker } = require('worker_threads');
      const w = new Worker('require("worker_threads").parentPort.once("message", () => process.exit())', { eval: true });
      w.postMessage(ab, [ab]);
      await new Promise((resolve) => w.once('exit', resolve));
      global.gc(); global.gc();
      if (ab.byteLength !== 0) throw new Error('the ArrayBuffer was not transferred');
      ${RUN_AND_PRINT}`);
    expectClean(r);
    expectReference(r);
  });

  test('an ArrayBuffer transferred away by structuredClone', () => {
    const r = child(`${load}
      const it = new Interpreter(ab);
      structuredClone(ab, { transfer: [ab] });
      global.gc(); global.gc();
      ${RUN_AND_PRINT}`);
    expectClean(r);
    expectReference(r);
  });

  test('a resizable ArrayBuffer shrunk to nothing', () => {
    const r = child(`const b = fs.readFileSync(M + 'hand_landmark_lite.tflite');
      const ab = new ArrayBuffer(b.length, { maxByteLength: b.length });
      new Uint8Array(ab).set(b);
      const it = new Interpreter(new Uint8Array(ab));
      ab.resize(0);
      ${RUN_AND_PRINT}`);
    expectClean(r);
    expectReference(r);
  });

  test('a SharedArrayBuffer overwritten after loading', () => {
    const r = child(`const b = fs.readFileSync(M + 'hand_landmark_lite.tflite');
      const shared = new Uint8Array(new SharedArrayBuffer(b.length));
      shared.set(b);
      const it = new Interpreter(shared);
      shared.fill(0xff);
      ${RUN_AND_PRINT}`);
    expectClean(r);
    expectReference(r);
  });

  test('a detached ArrayBuffer is ERR_TFLITE_MODEL_INVALID', () => {
    const ab = new ArrayBuffer(64);
    structuredClone(ab, { transfer: [ab] });
    expect(caught(() => new Interpreter(ab)).code).toBe('ERR_TFLITE_MODEL_INVALID');
    expect(caught(() => lib.readModelMetadata(ab)).code).toBe('ERR_TFLITE_MODEL_INVALID');
  });
});

describe('2. a tensor larger than one ArrayBuffer view', () => {
  (BITS_32 ? test.skip : test)('tensor.data over 4 GiB is ERR_TFLITE_SIZE, not a crash; get() still reads it', () => {
    // 268435457 x 4 float32 = 2^32 + 16 bytes: one row past what Node 20 lets an external ArrayBuffer span.
    const r = child(`const it = new Interpreter(F + 'dynamic_batch.tflite');
      it.allocateTensors();
      it.resizeInput(0, [268435457, 4]);
      it.allocateTensors();
      let code = null;
      try { it.input(0).data; } catch (e) { code = e.code; }
      try { it.tensor(it.input(0).index); } catch (e) { code += ' ' + e.code; }
      console.log(JSON.stringify({ code, bytes: it.input(0).byteLength }));`);
    expectClean(r);
    const out = lastJson(r);
    expect(out.code).toBe(bufferConstants.MAX_LENGTH >= 2 ** 32 + 16 ? 'null null'
      : 'ERR_TFLITE_SIZE ERR_TFLITE_SIZE');
    expect(out.bytes).toBe(2 ** 32 + 16);
  });
});

describe('3. a real model resized', () => {
  test('face_detection_full_range_sparse at new shapes: runs or refuses with a code, never crashes', () => {
    const r = child(`const outcomes = [];
      for (const shape of [[1, 128, 128, 3], [1, 256, 256, 3], [2, 192, 192, 3]]) {
        const it = new Interpreter(M + 'face_detection_full_range_sparse.tflite');
        it.allocateTensors();
        it.resizeInput(0, shape);
        try { it.allocateTensors(); it.invoke(); outcomes.push('ran'); } catch (e) { outcomes.push(e.code); }
        it.dispose();
      }
      console.log(JSON.stringify(outcomes));`);
    expectClean(r);
    for (const outcome of lastJson(r)) expect(outcome).toMatch(/^(ran|ERR_TFLITE_[A-Z_]+)$/);
  });
});

describe('4. files that never end or never answer', () => {
  const fifo = path.join(tmp, 'model.fifo');
  const zeroLink = path.join(tmp, 'zero.tflite');
  beforeAll(() => {
    spawnSync('mkfifo', [fifo]);
    fs.symlinkSync('/dev/zero', zeroLink);
  });

  test.each([
    ['readModelMetadata(/dev/zero)', () => lib.readModelMetadata('/dev/zero')],
    ['readModelMetadata(a FIFO)', () => lib.readModelMetadata(fifo)],
    ['new Interpreter(a link to /dev/zero)', () => new Interpreter(zeroLink)],
    ['new Interpreter(a FIFO)', () => new Interpreter(fifo)],
  ])('%s is ERR_TFLITE_NOT_FOUND at once', (_, fn) => {
    const error = caught(fn);
    expect(error.code).toBe('ERR_TFLITE_NOT_FOUND');
    expect(error.message).toMatch(/not a regular file/);
  });

  test.each([
    ['Interpreter.create(a FIFO)', () => Interpreter.create(fifo)],
    ['Interpreter.create(a link to /dev/zero)', () => Interpreter.create(zeroLink)],
    ['createPool(a FIFO)', () => lib.createPool(fifo, { size: 1 })],
  ])('%s rejects with ERR_TFLITE_NOT_FOUND', async (_, fn) => {
    expect((await rejected(fn())).code).toBe('ERR_TFLITE_NOT_FOUND');
  });

  test('a model file over 2 GiB (sparse) is ERR_TFLITE_MODEL_INVALID for every async reader', async () => {
    const big = path.join(tmp, 'big.tflite');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, 2 ** 31 + 4096);
    // Both readers start at once; each promise gets its handler as it is made, so the one that rejects while the
    // other is awaited is never an unhandled rejection (which failed this test once in CI).
    const readers = [Interpreter.create(big), lib.createPool(big, { size: 1 })];
    const errors = await Promise.all(readers.map((pending) => rejected(pending)));
    for (const error of errors) {
      expect(error).toBeInstanceOf(TfLiteError);
      expect(error.code).toBe('ERR_TFLITE_MODEL_INVALID');
      expect(error.message).toMatch(/over the limit/);
    }
  });
});

describe('6. internals are not reachable from the public objects', () => {
  test('tensors, interpreters and runners expose no native object or slot', () => {
    const it = new Interpreter(fixture('signatures.tflite'));
    it.allocateTensors();
    const runner = it.getSignatureRunner('add');
    for (const object of [it.inputs[0], it, runner, runner.inputs[Object.keys(runner.inputs)[0]]]) {
      for (const name of ['host', 'slot', 'runnable', 'guard', 'flush', 'refresh', 'track', 'describe',
        'resizeSlot', 'namedInputs', 'native']) {
        expect((object as unknown as Record<string, unknown>)[name]).toBeUndefined(); // not in the types either
      }
    }
    // What console.log shows: the tensor's identity, not its fields.
    expect(inspect(it.inputs[0])).toMatch(/^Tensor \{[^}]*name: '[^']+'[^}]*dtype: 'float32'/s);
  });

  test('a forged Delegate is refused (ERR_TFLITE_DELEGATE), whatever its native() returns', () => {
    const forged = Object.create(lib.Delegate.prototype);
    forged.native = () => new Interpreter(fixture('add.tflite'));
    expect(caught(() => new Interpreter(fixture('add.tflite'), { delegates: [forged] })).code)
      .toBe('ERR_TFLITE_DELEGATE');
  });

  test("the addon checks its objects' type tags: another class's object is ERR_TFLITE_ARGUMENT", () => {
    // Past lib/'s own checks, straight at the addon (what a forged object would reach if lib/ missed it).
    const model = new native.Model(fs.readFileSync(fixture('add.tflite')), false);
    const options = { threads: 1, xnnpack: null, delegates: [], delegateFallback: false, logSeverity: 2,
      customOps: [] };
    const interpreter = new native.Interpreter(model, options);
    expect(caught(() => new native.Interpreter(wrongType({}), options)).code).toBe('ERR_TFLITE_ARGUMENT');
    expect(caught(() => new native.Interpreter(wrongType(interpreter), options)).code).toBe('ERR_TFLITE_ARGUMENT');
    expect(caught(() => new native.Interpreter(model, { ...options, delegates: [model] })).code)
      .toBe('ERR_TFLITE_ARGUMENT');
    expect(caught(() => new native.SignatureRunner(wrongType(model), 'add')).code).toBe('ERR_TFLITE_ARGUMENT');
    interpreter.dispose();
    model.dispose();
  });
});

describe('7 and 8. every wrong argument is a TfLiteError with a code that says what was wrong', () => {
  const add = () => {
    const it = new Interpreter(fixture('add.tflite'));
    it.allocateTensors();
    return it;
  };
  const shared = () => {
    const a = new Float32Array(new SharedArrayBuffer(16));
    a.set([1, 2, 3, 4]);
    return a;
  };
  // A string array whose first element is a string when checked and a number when read again: the addon used to
  // receive the number (As<String> on a number).
  let flips = 0;
  const shapeShifter = ['x', 'y', 'z'];
  Object.defineProperty(shapeShifter, 0, { get: () => (flips++ % 2 === 0 ? 'a' : 42), enumerable: true });

  test.each([
    ['input(Symbol())', () => add().input(wrongType(Symbol('x'))), 'ERR_TFLITE_ARGUMENT'],
    ['output({})', () => add().output(wrongType({})), 'ERR_TFLITE_ARGUMENT'],
    ['getTensor(Symbol())', () => add().getTensor(wrongType(Symbol('x'))), 'ERR_TFLITE_ARGUMENT'],
    ['tensorAt("1")', () => add().tensorAt(wrongType('1')), 'ERR_TFLITE_ARGUMENT'],
    ['setTensor(1n, …)', () => add().setTensor(wrongType(1n), [1, 2, 3, 4]), 'ERR_TFLITE_ARGUMENT'],
    ['resizeInput(Symbol(), …)', () => add().resizeInput(wrongType(Symbol('x')), [1, 4]), 'ERR_TFLITE_ARGUMENT'],
    ['resizeInput(0, [1n, 4])', () => add().resizeInput(0, [wrongType(1n), 4]), 'ERR_TFLITE_SHAPE'],
    ['resizeInput(0, [Symbol()])', () => add().resizeInput(0, [wrongType(Symbol('x'))]), 'ERR_TFLITE_SHAPE'],
    ['getSignatureRunner(5)', () => new Interpreter(fixture('signatures.tflite')).getSignatureRunner(wrongType(5)),
      'ERR_TFLITE_ARGUMENT'],
    ['runner.input(Symbol())', () => new Interpreter(fixture('signatures.tflite')).getSignatureRunner('add')
      .input(wrongType(Symbol('x'))), 'ERR_TFLITE_ARGUMENT'],
    ['threads: 0', () => new Interpreter(fixture('add.tflite'), { threads: 0 }), 'ERR_TFLITE_ARGUMENT'],
    ['threads: 1e6', () => new Interpreter(fixture('add.tflite'), { threads: 1e6 }), 'ERR_TFLITE_ARGUMENT'],
    ['options: "fast"', () => new Interpreter(fixture('add.tflite'), wrongType('fast')), 'ERR_TFLITE_ARGUMENT'],
    ['options: []', () => new Interpreter(fixture('add.tflite'), wrongType([])), 'ERR_TFLITE_ARGUMENT'],
    ['xnnpack: "yes"', () => new Interpreter(fixture('add.tflite'), { xnnpack: wrongType('yes') }), 'ERR_TFLITE_ARGUMENT'],
    ['options whose getter throws', () => new Interpreter(fixture('add.tflite'),
      { get threads(): number { throw new Error('boom'); } }), 'ERR_TFLITE_ARGUMENT'],
    ['set() with a DataView', () => add().input(0).set(wrongType(new DataView(new ArrayBuffer(16)))), 'ERR_TFLITE_DTYPE'],
    ['set() with a Proxy of a Float32Array', () => add().input(0).set(new Proxy(new Float32Array(4), {})),
      'ERR_TFLITE_DTYPE'],
    ['set() with an array whose getter throws', () => add().input(0).set(
      Object.defineProperty([1, 2, 3, 4], 0, { get() { throw new Error('boom'); } })), 'ERR_TFLITE_ARGUMENT'],
    ['a Uint8Array dressed as a Float32Array', () => add().input(0).set(
      Object.defineProperty(new Uint8Array(16), Symbol.toStringTag, { value: 'Float32Array' })), 'ERR_TFLITE_DTYPE'],
    ['run() with the wrong number of inputs', () => add().run([[1, 2, 3, 4]]), 'ERR_TFLITE_ARGUMENT'],
    ['run(5)', () => add().run(wrongType(5)), 'ERR_TFLITE_ARGUMENT'],
    ['setTensor on a constant', () => {
      const it = new Interpreter(fixture('convnet.tflite'));
      it.allocateTensors();
      it.setTensor(8, new Float32Array(216));
    }, 'ERR_TFLITE_READ_ONLY'],
    ['loadEdgeTpuDelegate(null)', () => lib.loadEdgeTpuDelegate(wrongType(null)), 'ERR_TFLITE_ARGUMENT'],
    ['loadEdgeTpuDelegate({ libraryPath: 5 })', () => lib.loadEdgeTpuDelegate({ libraryPath: wrongType(5) }),
      'ERR_TFLITE_ARGUMENT'],
    ['loadEdgeTpuDelegate({ device: Symbol() })', () => lib.loadEdgeTpuDelegate({ device: wrongType(Symbol('d')) }),
      'ERR_TFLITE_DELEGATE'],
    ['listEdgeTpus(5)', () => lib.listEdgeTpus(wrongType(5)), 'ERR_TFLITE_ARGUMENT'],
    ['edgeTpuVersion({})', () => lib.edgeTpuVersion(wrongType({})), 'ERR_TFLITE_ARGUMENT'],
    ['parseLabels(5)', () => lib.parseLabels(wrongType(5)), 'ERR_TFLITE_ARGUMENT'],
  ])('%s', (_, fn, code) => {
    const error = caught(fn);
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.code).toBe(code);
  });

  test('a string array is read once: the values checked are the values written', () => {
    const it = new Interpreter(fixture('dtypes_string.tflite'));
    it.allocateTensors();
    it.input(0).set(shapeShifter);
    expect(it.input(0).get()).toEqual(['a', 'y', 'z']);
  });

  test('SharedArrayBuffer-backed inputs are accepted (copied first) by set, setTensor and run', () => {
    const it = add();
    it.input(0).set(shared());
    it.setTensor(it.input(1).index, shared());
    it.invoke();
    expect(Array.from(it.output(0, 'float32').get())).toEqual([2, 4, 6, 8]);
    expect(Array.from<number | bigint | string>(it.run([shared(), shared()]).Identity!)).toEqual([2, 4, 6, 8]);
  });

  test.each([
    ['invokeAsync(null)', (it: Interpreter) => it.invokeAsync(wrongType(null))],
    ['invokeAsync({ signal: {} })', (it: Interpreter) => it.invokeAsync({ signal: wrongType({}) })],
    ['invokeAsync("now")', (it: Interpreter) => it.invokeAsync(wrongType('now'))],
    ['runAsync(inputs, { signal: 5 })', (it: Interpreter) => it.runAsync([[1, 2, 3, 4], [1, 2, 3, 4]], { signal: wrongType(5) })],
  ])('%s rejects with ERR_TFLITE_ARGUMENT and leaves the interpreter usable', async (_, fn) => {
    const it = add();
    expect((await rejected(fn(it))).code).toBe('ERR_TFLITE_ARGUMENT');
    await it.invokeAsync();
  });

  test.each([
    ['createPool(m, null)', () => lib.createPool(fixture('add.tflite'), wrongType(null))],
    ['createPool(m, { size: 1e7 })', () => lib.createPool(fixture('add.tflite'), { size: 1e7 })],
    ['Interpreter.create(m, 5)', () => Interpreter.create(fixture('add.tflite'), wrongType(5))],
  ])('%s rejects with ERR_TFLITE_ARGUMENT at once', async (_, fn) => {
    expect((await rejected(fn())).code).toBe('ERR_TFLITE_ARGUMENT');
  });
});

describe('9. what the busy guard covers during invokeAsync', () => {
  test('data, set, get and details of its tensors throw ERR_TFLITE_BUSY while the run is in flight', async () => {
    const it = new Interpreter(path.join(MEDIAPIPE, 'hand_landmark_lite.tflite'));
    it.allocateTensors();
    const input = it.input(0);
    const view = input.data; // obtained before: stays attached (README, "Async")
    const run = it.invokeAsync();
    for (const touch of [() => input.data, () => input.set(new Float32Array(view.length)), () => input.get(),
      () => input.shape, () => it.output(0), () => it.getInputDetails(), () => it.allocateTensors()]) {
      expect(caught(touch).code).toBe('ERR_TFLITE_BUSY');
    }
    await run;
    expect(input.data).toBe(view); // the same view after the run: nothing moved
  });
});

describe('10. the CLI answers hostile files in one line', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30000 });
  const fifo = path.join(tmp, 'input.fifo');
  const zeroJson = path.join(tmp, 'zero.json');
  const deepJson = path.join(tmp, 'deep.json');
  beforeAll(() => {
    spawnSync('mkfifo', [fifo]);
    fs.symlinkSync('/dev/zero', zeroJson);
    fs.writeFileSync(deepJson, `${'['.repeat(200000)}${']'.repeat(200000)}`);
  });

  test.each([
    ['a model over 2 GiB', () => {
      const big = path.join(tmp, 'cli-big.tflite');
      fs.closeSync(fs.openSync(big, 'w'));
      fs.truncateSync(big, 2 ** 31 + 1);
      return ['inspect', big];
    }, /over the limit/],
    ['a FIFO as the model', () => ['inspect', fifo], /FIFO, not a regular file/],
    ['a JSON input linked to /dev/zero', () => ['run', fixture('add.tflite'), '-i', `a=${zeroJson}`, '-i', 'b=[1,2,3,4]'],
      /character device, not a regular file/],
    ['JSON nested 200,000 deep', () => ['run', fixture('add.tflite'), '-i', `a=${deepJson}`, '-i', 'b=[1,2,3,4]'],
      /nested deeper than 16 levels/],
    ['--labels /dev/zero', () => ['inspect', fixture('add.tflite'), '--labels', '/dev/zero'],
      /character device, not a regular file/],
  ])('%s', (_, args, message) => {
    const r = cli(args());
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('`help run` prints the help of run and exits 0, as `run --help` does', () => {
    const help = cli(['help', 'run']);
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(cli(['run', '--help']).stdout);
    expect(cli(['help']).status).toBe(0);
  });
});
