// Every code TfLiteErrorCode declares, thrown on purpose, and the README's error table listing exactly those codes
// (no code undocumented, no documented code that cannot happen).
import fs from 'fs';
import path from 'path';
import { Interpreter, TfLiteError, loadDelegate, type TfLiteErrorCode } from '../dist/cjs';
import { fixture, caught, rejected } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const declared = [...fs.readFileSync(path.join(ROOT, 'dist', 'cjs', 'errors.d.ts'), 'utf8')
  .match(/TfLiteErrorCode =([^;]*);/)![1]!.matchAll(/'(ERR_TFLITE_\w+)'/g)]
  .map((m) => m[1]!).sort();

const ready = (file = 'add.tflite') => {
  const it = new Interpreter(fixture(file));
  it.allocateTensors();
  return it;
};

// [code, how to make it happen]; async makers return a promise. Typed by the declared union: a code added to
// TfLiteErrorCode without a trigger here fails the type check before the test.
const TRIGGERS: Record<TfLiteErrorCode, () => unknown> = {
  ERR_TFLITE_ARGUMENT: () => new Interpreter(fixture('add.tflite'), { threads: 0 }),
  ERR_TFLITE_NOT_FOUND: () => new Interpreter(fixture('missing.tflite')),
  ERR_TFLITE_MODEL_INVALID: () => new Interpreter(Buffer.from('not a model at all, just some bytes')),
  ERR_TFLITE_INDEX: () => ready().input(5),
  ERR_TFLITE_DTYPE: () => ready().input(0).set(new Float64Array(4)),
  ERR_TFLITE_SIZE: () => ready().input(0).set(new Float32Array(3)),
  ERR_TFLITE_SHAPE: () => ready().resizeInput(0, [-1, 4]),
  ERR_TFLITE_READ_ONLY: () => ready('convnet.tflite').setTensor(8, new Float32Array(216)),
  ERR_TFLITE_ALLOCATE: () => ready('custom_op.tflite'),
  ERR_TFLITE_INVOKE: () => new Interpreter(fixture('add.tflite')).invoke(),
  ERR_TFLITE_BUSY: async () => {
    const it = ready();
    const run = it.invokeAsync();
    try {
      it.input(0).get();
    } finally {
      await run;
    }
  },
  ERR_TFLITE_DISPOSED: () => {
    const it = ready();
    it.dispose();
    it.invoke();
  },
  ERR_TFLITE_CANCELLED: () => ready().invokeAsync({ signal: AbortSignal.abort() }),
  ERR_TFLITE_DELEGATE: () => loadDelegate('/nonexistent/libdelegate.so'),
};

test('every declared code has a trigger here', () => {
  expect(Object.keys(TRIGGERS).sort()).toEqual(declared);
});

test.each(Object.entries(TRIGGERS))('%s is thrown as a TfLiteError with that code', async (code, trigger) => {
  let error: TfLiteError | undefined;
  try {
    const result = trigger();
    if (result instanceof Promise) error = await rejected<TfLiteError>(result);
  } catch (thrown) {
    error = thrown as TfLiteError;
  }
  if (error === undefined) error = caught<TfLiteError>(trigger);
  expect(error).toBeInstanceOf(TfLiteError);
  expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(10);
});

test("the README's error table lists exactly the declared codes", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| code | when |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  const documented = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`(ERR_TFLITE_\w+)`/g)].map((m) => m[1]));
  expect([...new Set(documented)].sort()).toEqual(declared);
});
