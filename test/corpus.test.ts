// The compatibility corpus (test/corpus/): Google's MediaPipe models, the TF 2.21 converter's output on standard
// Keras architectures in its four common modes, and TensorFlow's own lite/testdata models, each with what Python's
// tf.lite 2.21 did with it (test/corpus/references.json). A model Python runs must run here with its outputs and at
// least as much of it on XNNPACK; a model Python refuses must give a typed error here, never a crash.
import fs from 'fs';
import { Interpreter, TfLiteError, type InterpreterOptions } from '..';
import * as corpus from './corpus/corpus';
import type { CorpusModel } from './corpus/corpus';
import { caught } from './helpers';

// Where this runtime (TFLite 2.14.1 + scripts/patches/) still differs from Python's 2.21, measured; each entry says
// why. XNNPACK node counts below Python's are pinned exactly, so a regression (fewer) and a fix (more) both show.
const XNNPACK_FEWER: Record<string, number> = {
  // READ_VARIABLE's output is dynamic-sized in 2.14.1 and its delegate accepts static graphs only (2.21's reshapes
  // its runtime at invoke): XNNPACK is not applied, `delegates` names the tensor.
  'models/testdata/call_once_mul.bin': 0,
};

// 32-bit ARM: TensorFlow's two *_huge_im2col test models need more than the address space Node has there (their
// outputs alone are 146 MB and 346 MB, beside im2col buffers of the same order); they run on 64-bit platforms.
const TOO_BIG_FOR_32_BIT = ['models/testdata/conv3d_huge_im2col.bin', 'models/testdata/conv_huge_im2col.bin'];
const models = corpus.availableModels()
  .filter((m) => !(process.arch === 'arm' && TOO_BIG_FOR_32_BIT.includes(m.file)));

function run(entry: CorpusModel, options: InterpreterOptions = {}) {
  const interpreter = new Interpreter(corpus.modelPath(entry), { threads: 1, ...options });
  interpreter.allocateTensors();
  corpus.fillInputs(interpreter, entry);
  interpreter.invoke();
  return interpreter;
}

// Each output's bytes, for comparing runs byte for byte (a view over the copy get() returns).
function outputBytes(interpreter: Interpreter): Buffer[] {
  return interpreter.outputs.map((o) => {
    const values = o.get() as ArrayBufferView;
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  });
}

describe('compatibility corpus', () => {
  test('has the committed models', () => {
    expect(models.filter((m) => m.committed).length).toBeGreaterThanOrEqual(50);
  });

  const runsInPython = models.filter((m) => m.python?.[m.outputsFrom ?? 'defaultDelegates']?.invokes);
  const refusedByPython = models.filter((m) => !runsInPython.includes(m));

  describe.each(runsInPython.map((m): [string, CorpusModel] => [m.file, m]))('%s', (file, entry) => {
    let interpreter: Interpreter | undefined;
    beforeAll(() => {
      interpreter = run(entry, entry.outputsFrom === 'builtinWithoutDefaultDelegates' ? { xnnpack: false } : {});
    });
    afterAll(() => interpreter?.dispose());

    test('outputs match Python tf.lite 2.21', () => {
      entry.outputs.forEach((ref, j) => {
        const output = interpreter!.output(j);
        expect(output.dtype).toBe(ref.dtype);
        // Large numeric outputs through the zero-copy view (no 346 MB copy); the rest as a user reads them.
        const large = ref.dtype !== 'string' && (ref.count ?? 0) > 1 << 20;
        expect(corpus.compareOutput(large ? output.data : output.get(), ref)).toEqual([]);
      });
    });

    if (entry.outputsFrom !== 'builtinWithoutDefaultDelegates' && (entry.xnnpack?.nodesDelegated ?? 0) > 0) {
      test('runs on XNNPACK', () => {
        const xnnpack = interpreter!.delegates.find((d) => d.name === 'xnnpack')!;
        expect(xnnpack.applied).toBe(XNNPACK_FEWER[file] !== 0);
        if (XNNPACK_FEWER[file] !== undefined) {
          expect(xnnpack.nodes).toBe(XNNPACK_FEWER[file]);
        } else {
          expect(xnnpack.nodes).toBeGreaterThanOrEqual(entry.xnnpack!.nodesDelegated);
        }
      });
    }
  });

  test.each(refusedByPython.map((m): [string, CorpusModel] => [m.file, m]))('%s: Python refuses it; here a typed error or a run', (_file, entry) => {
    try {
      run(entry).dispose();
    } catch (error) {
      expect(error).toBeInstanceOf(TfLiteError);
      expect((error as TfLiteError).code).toMatch(/^ERR_TFLITE_/);
    }
  });
});

describe('corpus regressions', () => {
  const sparse = models.find((m) => m.file.endsWith('face_detection_full_range_sparse.tflite'))!;

  // Was a SIGSEGV in densify::Prepare (patch 0007); now TFLite's own refusal.
  test('sparse model: resize then allocate with XNNPACK is a typed error, not a crash', () => {
    const interpreter = new Interpreter(corpus.modelPath(sparse));
    interpreter.allocateTensors();
    interpreter.resizeInput(0, [1, 64, 64, 3]);
    const error = caught(() => interpreter.allocateTensors());
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.code).toBe('ERR_TFLITE_ALLOCATE');
    interpreter.dispose();
  });

  // The XNNPACK entry of `interpreter.delegates` for the corpus model whose file ends with `suffix`.
  const xnnpackReport = (suffix: string) => {
    const interpreter = new Interpreter(corpus.modelPath(models.find((m) => m.file.endsWith(suffix))!));
    const report = interpreter.delegates.find((d) => d.name === 'xnnpack')!;
    interpreter.dispose();
    return report;
  };

  test('a model refused by XNNPACK for a dynamic tensor says which tensor and op', () => {
    const xnnpack = xnnpackReport('testdata/dynamic_shapes.bin');
    expect(xnnpack.applied).toBe(false);
    expect(xnnpack.error).toMatch(/dynamic-sized tensors.*: tensor #\d+ '.*', computed by node \d+ \([A-Z_]+\)/);
  });

  test('a partly delegated model lists the ops left on the built-in kernels', () => {
    const xnnpack = xnnpackReport('converted/transformer_int8.tflite');
    expect(xnnpack.applied).toBe(true);
    expect(xnnpack.leftOnCpu).toMatchObject({ GELU: 2, BATCH_MATMUL: 4 });
  });

  // With a thread pool, XNNPACK (patch xnnpack/0002) keeps checking whether the graph runs faster on the calling
  // thread or on the pool: one warm-up run, a probe of 6 alternated runs, then 16 runs the chosen way and one the
  // other, 32 and one, ... 100 runs cross the probe, two checks and whatever switches they make; each must give the
  // bytes of the first run.
  test.each(['converted/lstm_f32.tflite', 'converted/mobilenetv3small_f32.tflite'])(
    '%s with 2 threads: the same outputs on every run while the threading choice is probed', (suffix) => {
      const entry = models.find((m) => m.file.endsWith(suffix))!;
      const interpreter = run(entry, { threads: 2 });
      const first = outputBytes(interpreter);
      for (let i = 1; i < 100; i++) {
        interpreter.invoke();
        outputBytes(interpreter).forEach((b, j) => expect(b.equals(first[j]!)).toBe(true));
      }
      entry.outputs.forEach((ref, j) => expect(corpus.compareOutput(interpreter.output(j).get(), ref)).toEqual([]));
      interpreter.dispose();
    });

  // The int8 LSTM's 160 TANH and LOGISTIC nodes run on 8-bit lookup tables. XNNPACK's come from a process-wide cache
  // once an operator with the same quantization computed one (xnnpack 0006); TFLite's own kernels build theirs at the
  // first invoke instead of in Prepare (tensorflow 0020), so without XNNPACK the tables are built by that invoke.
  test('converted/lstm_int8.tflite: lookup tables from the cache and built at the first invoke give the same outputs', () => {
    const entry = models.find((m) => m.file.endsWith('converted/lstm_int8.tflite'))!;
    const first = run(entry);
    const second = run(entry);
    expect(outputBytes(second)).toEqual(outputBytes(first));
    const builtin = run(entry, { xnnpack: false });
    expect(builtin.delegates.some((d) => d.name === 'xnnpack' && d.applied)).toBe(false);
    entry.outputs.forEach((ref, j) => expect(corpus.compareOutput(builtin.output(j).get(), ref)).toEqual([]));
    const once = outputBytes(builtin);
    builtin.invoke();
    expect(outputBytes(builtin)).toEqual(once);
    for (const interpreter of [first, second, builtin]) interpreter.dispose();
  });

  test('an op version this runtime lacks names the version and what avoids it', () => {
    // FULLY_CONNECTED version 11 (int16 activations with a quantized bias type) stays unregistered: a copy of the
    // dynamic-range transformer (FULLY_CONNECTED version 12) with that version rewritten.
    const entry = models.find((m) => m.file.endsWith('converted/transformer_dyn.tflite'))!;
    const bytes = Buffer.from(fs.readFileSync(corpus.modelPath(entry)));
    const patched = corpus.withOpVersion(bytes, 'FULLY_CONNECTED', 11);
    const error = caught(() => new Interpreter(patched));
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.message).toMatch(/FULLY_CONNECTED' version '11'/);
    expect(error.message).toMatch(/16x8 quantization mode/);
  });
});
