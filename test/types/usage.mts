// What the published types promise a strict TypeScript user (compiled by test/types.test.js with strict,
// exactOptionalPropertyTypes and nodenext resolution against the package itself). Lines marked @ts-expect-error
// must fail to compile: the types refuse what the runtime refuses.
import { Interpreter, createPool, TfLiteError, type AnyTensor, type Tensor, type InterpreterOptions }
  from 'tflite-runtime';

// The package's published example model (relative to the package root, where the test runs this).
const model = 'examples/models/face_detection_short_range.tflite';
const threads: number | undefined = process.env.THREADS ? Number(process.env.THREADS) : undefined;
const options: InterpreterOptions = { threads, xnnpack: { threads: undefined } };   // undefined is "not given"
const it = new Interpreter(model, options);
it.allocateTensors();

// Typed lookups: Tensor<'float32'>, data a Float32Array, get() a Float32Array.
const image: Tensor<'float32'> = it.input(0, 'float32');
image.data.set(new Float32Array(image.elementCount).fill(0.25));
const rows = Array.from({ length: 128 }, () => Array.from({ length: 128 }, () => [0.5, 0.5, 0.5]));
it.input(0, 'float32').set([rows]);                      // nested in the shape [1, 128, 128, 3], as Python takes
it.invoke();
const scores: Float32Array = it.output('classificators', 'float32').get();
console.log(Math.max(...scores));

// Narrowing on dtype.
const any: AnyTensor = it.output(0);
if (any.dtype === 'float32') {
  const values: Float32Array = any.data;
  console.log(values.length);
} else if (any.dtype === 'int64') {
  const values: BigInt64Array = any.data;
  console.log(values.length);
} else if (any.dtype === 'string') {
  const strings: string[] = any.get();
  console.log(strings.length);
}

// What must not compile (never called: each line would throw at run time, as the types say).
export function refused(): void {
  // @ts-expect-error a number is not a model (Buffer is Node's Buffer, not any)
  new Interpreter(123);
  // @ts-expect-error threads is a number
  new Interpreter(model, { threads: '4' });
  // @ts-expect-error internals are not in the types
  it.input(0).host;
  // @ts-expect-error a Float32Array is not a BigInt64Array
  const wrong: BigInt64Array = it.input(0, 'float32').data;
  void wrong;
}

const pool = await createPool(model, { size: 1, threads });
const out = await pool.run([new Float32Array(128 * 128 * 3)], { signal: AbortSignal.timeout(5000) });
console.log(Object.keys(out));
pool.dispose();

try {
  it.input(0, 'int8');
} catch (error) {
  if (error instanceof TfLiteError && error.code === 'ERR_TFLITE_DTYPE') console.log('typed lookup refused');
}
it.dispose();
