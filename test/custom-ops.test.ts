// customOps: custom op kernels from a shared library (test/plugins/det_op.cc, built by globalSetup), as Python's
// InterpreterWithCustomOps. custom_op.tflite holds tf.linalg.det as the custom op MatrixDeterminant.
import fs from 'fs';
import path from 'path';
import { Interpreter, TfLiteError, type CustomOpLibrary } from '..';
import { fixture, caught, wrongType } from './helpers';

const library = path.join(__dirname, '.build', 'plugins', 'libdet_op.so');

describe('customOps', () => {
  test('the op library was built (globalSetup)', () => {
    expect(fs.existsSync(library)).toBe(true);
  });

  test('without it the op is unresolved, naming it', () => {
    const error = caught(() => new Interpreter(fixture('custom_op.tflite')).allocateTensors());
    expect(error.code).toBe('ERR_TFLITE_ALLOCATE');
    expect(error.message).toMatch(/MatrixDeterminant/);
  });

  test.each<[string, string | CustomOpLibrary]>([['a path', library], ['{ library, registerer }', { library, registerer: 'TfLiteRuntimeRegisterCustomOps' }]])(
    'with it (%s) the model runs and computes the determinant', (_what, spec) => {
      const interpreter = new Interpreter(fixture('custom_op.tflite'), { customOps: [spec] });
      interpreter.allocateTensors();
      interpreter.input(0).set(Float32Array.from([2, 0, 1, 1, 3, 2, 1, 1, 1])); // 2*(3-2) - 0 + 1*(1-3) = 0
      interpreter.invoke();
      expect(interpreter.output(0, 'float32').get()[0]).toBeCloseTo(0, 5);
      interpreter.input(0).set(Float32Array.from([4, 7, 2, 6, 1, 0, 0, 0, 1])); // 4*1 - 7*6 = -38
      interpreter.invoke();
      expect(interpreter.output(0, 'float32').get()[0]).toBeCloseTo(-38, 4);
      interpreter.dispose();
    });

  test("a missing library or registerer is ERR_TFLITE_NOT_FOUND with the loader's words", () => {
    const missing = caught(() => new Interpreter(fixture('custom_op.tflite'), { customOps: ['/nonexistent/libops.so'] }));
    expect(missing).toBeInstanceOf(TfLiteError);
    expect(missing.code).toBe('ERR_TFLITE_NOT_FOUND');
    expect(missing.message).toMatch(/nonexistent\/libops\.so/);
    const noSymbol = caught(() => new Interpreter(fixture('custom_op.tflite'),
      { customOps: [{ library, registerer: 'NoSuchRegisterer' }] }));
    expect(noSymbol.code).toBe('ERR_TFLITE_NOT_FOUND');
    expect(noSymbol.message).toMatch(/NoSuchRegisterer/);
  });

  test.each([[5], [[5]], [[{}]], [[{ library, registerer: 7 }]]])('bad customOps %j is ERR_TFLITE_ARGUMENT', (value) => {
    // Wrong types on purpose: what the argument checks say about them.
    const error = caught(() => new Interpreter(fixture('custom_op.tflite'), { customOps: wrongType(value) }));
    expect(error.code).toBe('ERR_TFLITE_ARGUMENT');
  });
});
