// What the published types promise a strict TypeScript user (compiled by test/types.test.js with strict,
// exactOptionalPropertyTypes and nodenext resolution against the package itself). Lines marked @ts-expect-error
// must fail to compile: the types refuse what the runtime refuses.
import { Interpreter, createPool, TfLiteError, type AnyTensor, type DType, type Tensor, type InterpreterOptions,
  type Nested, type NestedValue, type TensorInput } from 'tflite-runtime';

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
  // @ts-expect-error a float32 tensor's set() takes a Float32Array or numbers: not an Int32Array (ERR_TFLITE_DTYPE)
  it.input(0, 'float32').set(new Int32Array(4));
  // @ts-expect-error nor a Float64Array
  it.input(0, 'float32').set(new Float64Array(4));
  // @ts-expect-error nor bigints
  it.input(0, 'float32').set([1n, 2n]);
  // @ts-expect-error nor strings, nested or not
  it.input(0, 'float32').set([['a']]);
  // @ts-expect-error an int64 tensor's set() takes a BigInt64Array (or bigints, or integer numbers), not a Float64Array
  it.input(0, 'int64').set(new Float64Array(4));
  // @ts-expect-error an int8 tensor's array is an Int8Array, not a Uint8Array
  it.input(0, 'int8').set(new Uint8Array(4));
  // @ts-expect-error a string tensor takes strings, not bytes
  it.input(0, 'string').set(new Uint8Array(4));
  // @ts-expect-error narrowed on dtype, the same: a float32 tensor takes no BigInt64Array
  if (any.dtype === 'float32') any.set(new BigInt64Array(4));
  // @ts-expect-error getNested() of a float32 tensor holds numbers, not strings
  const strings: Nested<string> = it.output(0, 'float32').getNested();
  void strings;
}

// What must compile (never called: types only): before the dtype is narrowed, set() takes any dtype's values, and
// getNested() is a NestedValue; narrowed, each dtype's own.
export function accepted(values: TensorInput, plain: Tensor): void {
  const unknown: AnyTensor = it.input(0);
  for (const tensor of [unknown, plain]) {
    tensor.set(new Float32Array(4));
    tensor.set(new BigInt64Array(4));
    tensor.set([[1, 2], [3, 4]]);
    tensor.set([true, false]);
    tensor.set(['a', 'b']);
    tensor.set(values);
    const nested: NestedValue = tensor.getNested();
    void nested;
  }
  it.inputs[0]!.set(new Int8Array(4));
  it.input(0, 'float32').set([0.5, 1.5]);
  it.input(0, 'uint8').set(Buffer.alloc(4));                 // a Buffer is a Uint8Array
  it.input(0, 'int64').set([1n, 2]);                           // integers as bigints or numbers
  it.input(0, 'bool').set([true, 0]);
  it.input(0, 'bool').set(new Uint8ClampedArray(2));
  it.input(0, 'string').set([['a'], ['b']]);
  if (unknown.dtype === 'int32') unknown.set(new Int32Array(4));
  const numbers: Nested<number> = it.output(0, 'float32').getNested();
  const bigints: Nested<bigint> = it.output(0, 'int64').getNested();
  const texts: Nested<string> = it.output(0, 'string').getNested();
  const anyNested: NestedValue = it.output(0, 'uint8').getNested();
  void [numbers, bigints, texts, anyNested];
}

/** Generic in the dtype: what one tensor's get() gave goes into another of the same dtype. */
export function copyValues<D extends DType>(from: Tensor<D>, to: Tensor<D>): NestedValue {
  to.set(from.get());
  return to.getNested();
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
