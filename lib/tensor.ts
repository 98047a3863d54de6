import { constants as bufferConstants } from 'buffer';
import { inspect } from 'util';
import { describeValue, readingCallerValues } from './arguments';
import type { NativeRunnable, NativeTensorInfo } from './binding';
import { ArrayOf, DType, TfLiteType, TypedArray, ValueOf, dtypeInfo, fromPlainArray, isAcceptedArray, presentFloat16, typedArrayKind }
  from './dtype';
import { TfLiteError } from './errors';
import type { UsageGuard } from './guard';
import { QuantizationParameters, dequantize, quantizeInto } from './quantization';

export interface Quantization {
  scale: number;
  zeroPoint: number;
}

/** Values a tensor accepts: its TypedArray, a plain array of numbers / bigints / booleans, or strings. */
export type TensorInput =
  | TypedArray | NestedArray<number> | NestedArray<bigint> | NestedArray<boolean> | NestedArray<string>;

/** What getNested() returns: a value, or arrays nested as deep as the tensor's rank. */
export type NestedValue = number | bigint | string | NestedValue[];

/** Values flat, or nested in the tensor's shape as Python's lists of lists (checked against the shape). */
export type NestedArray<T> = readonly (T | NestedArray<T>)[];

/**
 * What each dtype's set() takes (what the run-time checks let through): its TypedArray, or plain values flat or
 * nested in the tensor's shape. Integers for int64/uint64 may be numbers; bool takes 0/1 numbers and a
 * Uint8ClampedArray too; complex values are interleaved re, im (nested: [re, im] pairs); string tensors take strings.
 */
export interface DTypeInputs {
  float32: Float32Array | NestedArray<number>;
  float16: Uint16Array | NestedArray<number>;
  float64: Float64Array | NestedArray<number>;
  int8: Int8Array | NestedArray<number>;
  uint8: Uint8Array | NestedArray<number>;
  int16: Int16Array | NestedArray<number>;
  uint16: Uint16Array | NestedArray<number>;
  int32: Int32Array | NestedArray<number>;
  uint32: Uint32Array | NestedArray<number>;
  int64: BigInt64Array | NestedArray<bigint | number>;
  uint64: BigUint64Array | NestedArray<bigint | number>;
  bool: Uint8Array | Uint8ClampedArray | NestedArray<boolean | number>;
  string: NestedArray<string>;
  complex64: Float32Array | NestedArray<number>;
  complex128: Float64Array | NestedArray<number>;
}

/** What set() takes on a dtype-D tensor; for a dtype not known yet (`Tensor`, `AnyTensor`), any dtype's input. */
export type InputOf<D extends DType> = DTypeInputs[D];

/** A value of type T, or arrays of them nested to any depth. */
export type Nested<T> = T | Nested<T>[];

/**
 * What getNested() returns on a dtype-D tensor: numbers, bigints (int64, uint64) or strings, nested in its shape;
 * NestedValue while the dtype is not known.
 */
export type NestedOf<D extends DType> = DType extends D ? NestedValue
  : Nested<D extends 'string' ? string : D extends 'int64' | 'uint64' ? bigint : number>;

/**
 * Where `data` has to be a copy (dynamic tensors; runtimes without external buffers), the owner keeps the copy in
 * step with TFLite around every invoke — written in before, read back after — so code written for views (fill
 * `input.data`, invoke, read `output.data`) behaves the same. The owner passes how to register such a tensor.
 */
export type CopyTracker = (tensor: Tensor) => void;

/** A tensor whose dtype is known only at run time: narrows on `dtype` to `Tensor<'float32'>` and the rest. */
export type AnyTensor = { [D in DType]: Tensor<D> }[DType];

/** The most one zero-copy view can span on this Node.js (a larger external ArrayBuffer ends the process). */
const MAX_VIEW_BYTES = bufferConstants.MAX_LENGTH;

/**
 * Nested arrays (Python's lists of lists) flattened in row-major order, each level checked against `shape` before it
 * is read: a ragged or mis-shaped array is ERR_TFLITE_SHAPE naming where it went wrong.
 */
function flattenNested(top: readonly unknown[], shape: readonly number[], name: string): unknown[] {
  const out: unknown[] = [];
  const walk = (level: unknown, depth: number, where: string, read = false): void => {
    if (depth === shape.length) {
      if (Array.isArray(level)) {
        throw new TfLiteError(`tensor '${name}' has shape [${shape}]: ${where} nests deeper than that`, 'ERR_TFLITE_SHAPE');
      }
      out.push(level);
      return;
    }
    if (!Array.isArray(level) || level.length !== shape[depth]) {
      const got = Array.isArray(level) ? `${level.length} entries` : describeValue(level);
      throw new TfLiteError(`tensor '${name}' has shape [${shape}]: ${where} should hold ${shape[depth]} entries, ` +
        `got ${got}`, 'ERR_TFLITE_SHAPE');
    }
    (read ? level : Array.from(level)).forEach((item, i) => walk(item, depth + 1, `${where}[${i}]`));
  };
  walk(top, 0, 'values', true);
  return out;
}

let flushCopy: (tensor: Tensor) => boolean;
let refreshCopy: (tensor: Tensor) => void;

/** What owners (Runnable) do to a tensor around an invoke; not part of the public object (lib/index.ts omits it). */
export const tensorCopies = {
  /** Before an invoke: a copy handed out by `data` goes into the tensor. False when the copy went stale. */
  flush: (tensor: Tensor): boolean => flushCopy(tensor),
  /** After an invoke: the copy takes the tensor's new contents. */
  refresh: (tensor: Tensor): void => refreshCopy(tensor),
};

/**
 * One tensor of an interpreter or signature runner. Holds no memory itself: it asks its owner each time. Generic in
 * its dtype for the types only: `Tensor<'float32'>` has `data: Float32Array`. Lookups return an `AnyTensor`, which
 * narrows on `dtype` (`if (t.dtype === 'float32') t.data` is a Float32Array), or ask for the dtype
 * (`it.input(0, 'float32')`, checked at run time).
 */
export class Tensor<D extends DType = DType> {
  readonly #host: NativeRunnable;
  readonly #slot: number;
  readonly #guard: UsageGuard;
  readonly #track: CopyTracker;
  readonly #index: number;
  #info?: NativeTensorInfo & { generation: number; invocations: number };
  #view?: { generation: number; array: TypedArray };

  static {
    flushCopy = (tensor) => tensor.#flush();
    refreshCopy = (tensor) => tensor.#refresh();
  }

  /** @internal */
  constructor(host: NativeRunnable, slot: number, index: number, guard: UsageGuard, track: CopyTracker) {
    this.#host = host;
    this.#slot = slot;
    this.#index = index;
    this.#guard = guard;
    this.#track = track;
  }

  #describe(): NativeTensorInfo {
    const guard = this.#guard;
    guard.check(); // even for a cached description: nothing of a tensor is read while its interpreter runs
    const info = this.#info;
    if (info && info.generation === guard.generation && (info.viewable || info.invocations === guard.invocations)) {
      return info;
    }
    this.#info = { ...this.#host.describe(this.#slot), generation: guard.generation, invocations: guard.invocations };
    return this.#info;
  }

  get name(): string { return this.#describe().name; }
  /** The tensor's index in the model (Python's details `index`); -1 for a signature's tensor outside subgraph 0. */
  get index(): number { return this.#index; }
  get dtype(): D { return dtypeInfo(this.#describe().type).name as D; }
  get shape(): number[] { return [...this.#describe().shape]; }
  get shapeSignature(): number[] { return [...this.#describe().shapeSignature]; }
  get byteLength(): number { return this.#describe().byteLength; }
  get elementCount(): number { return this.#describe().shape.reduce((a, b) => a * b, 1); }
  /** null when the stored scale is 0 (not quantized), else the per-tensor parameters as stored. */
  get quantization(): Quantization | null {
    const { scale, zeroPoint } = this.#describe();
    return scale === 0 ? null : { scale, zeroPoint };
  }
  get quantizationParameters(): QuantizationParameters {
    const { scales, zeroPoints, quantizedDimension } = this.#describe();
    return { scales: [...scales], zeroPoints: [...zeroPoints], quantizedDimension };
  }

  /**
   * A zero-copy view on the tensor's own buffer. Detached (length 0) once the memory may move: after
   * allocateTensors(), resizeInput() or dispose(). Dynamic tensors get a copy instead (see PendingWrites).
   */
  get data(): ArrayOf<D> {
    const guard = this.#guard;
    const cached = this.#view;
    if (cached && cached.generation === guard.generation && !guard.busy && !guard.disposed) {
      return cached.array as ArrayOf<D>;
    }
    guard.check();
    const info = this.#describe();
    if (info.viewable && info.byteLength > MAX_VIEW_BYTES) {
      throw new TfLiteError(`tensor '${info.name}' holds ${info.byteLength} bytes, more than one TypedArray view can ` +
        `span on this Node.js (${MAX_VIEW_BYTES}): copy it in and out with set() and get()`, 'ERR_TFLITE_SIZE');
    }
    const array = this.#fetch(info);
    this.#view = { generation: guard.generation, array };
    if (!info.viewable && info.writable) this.#track(this as Tensor); // constants are never written back
    return array as ArrayOf<D>;
  }

  #fetch(info: NativeTensorInfo): TypedArray {
    const array = this.#host.view(this.#slot);
    return info.type === TfLiteType.Float16 ? presentFloat16(array as Uint16Array) : array;
  }

  /** The copy `data` handed out, while it is current (copy mode). */
  #currentCopy(): TypedArray | undefined {
    const view = this.#view;
    return view && view.generation === this.#guard.generation ? view.array : undefined;
  }

  /** Before an invoke: the copy's contents go into the tensor (string bytes are read-only). */
  #flush(): boolean {
    const copy = this.#currentCopy();
    if (copy && this.#describe().type !== TfLiteType.String) this.#host.write(this.#slot, copy);
    return copy !== undefined;
  }

  /** After an invoke: the copy takes the tensor's new contents (a new copy if its size changed). */
  #refresh(): void {
    const copy = this.#currentCopy();
    if (!copy) return;
    const fresh = this.#fetch(this.#describe());
    if (fresh.length === copy.length) (copy as Float64Array).set(fresh as Float64Array);
    else this.#view = { generation: this.#guard.generation, array: fresh };
  }

  /**
   * Copy in, checked: the dtype's TypedArray (or a plain array of values) with exactly one value per element. Typed
   * by the tensor's dtype (`this`): a `Tensor<'float32'>` takes a Float32Array or numbers, a tensor whose dtype is
   * not narrowed yet takes any dtype's values (checked when called). ValueOf: what get() of a tensor of the same dtype
   * gave, also where that dtype is a type parameter (`to.set(from.get())` with both `Tensor<D>`).
   */
  set<T extends Tensor>(this: T, values: InputOf<T['dtype']> | ValueOf<T['dtype']>): void {
    // Reading the caller's arrays may throw (getters, Proxies): readingCallerValues makes that ERR_TFLITE_ARGUMENT.
    readingCallerValues('the values', () => this.#set(values));
  }

  #set(values: InputOf<DType>): void {
    this.#guard.check();
    const info = this.#describe();
    const { name: dtype, lanes } = dtypeInfo(info.type);
    const expected = info.shape.reduce((a, b) => a * b, 1) * (dtype === 'string' ? 1 : lanes);
    // A plain array is read once, after its length is checked (a sparse one can claim 2^32 - 1 elements): flat, one
    // value per element, or nested in the tensor's shape as Python takes lists of lists (complex: [re, im] last).
    let plain: unknown[] | undefined;
    if (Array.isArray(values)) {
      const shape = lanes === 2 ? [...info.shape, 2] : info.shape;
      if (values.length !== expected && (shape.length < 2 || values.length !== shape[0])) {
        throw new TfLiteError(
          `tensor '${info.name}' has shape [${info.shape}] (${expected} values), got ${values.length}`, 'ERR_TFLITE_SIZE');
      }
      plain = Array.from(values); // once: a getter or Proxy cannot answer the checks and the copy differently
      if (plain.length > 0 && Array.isArray(plain[0])) plain = flattenNested(plain, shape, info.name);
    }
    let data: TypedArray | string[];
    if (dtype === 'string') {
      const strings = plain;
      if (!strings || !strings.every((v) => typeof v === 'string')) {
        throw new TfLiteError(`tensor '${info.name}' is a string tensor: pass an array of strings`, 'ERR_TFLITE_DTYPE');
      }
      data = strings as string[];
    } else if (plain) {
      const converted = fromPlainArray(dtype, plain);
      if (!converted) {
        throw new TfLiteError(`tensor '${info.name}' (${dtype}) cannot hold these values`, 'ERR_TFLITE_DTYPE');
      }
      data = converted;
    } else if (isAcceptedArray(dtype, values)) {
      // Memory another thread may write while TFLite copies it is copied out first (a SharedArrayBuffer's).
      const array = values as TypedArray;
      data = array.buffer instanceof ArrayBuffer ? array : array.slice();
    } else {
      const got = typedArrayKind(values) ?? describeValue(values);
      throw new TfLiteError(
        `tensor '${info.name}' is ${dtype}: expected ${dtypeInfo(info.type).array.name}, got ${got}`, 'ERR_TFLITE_DTYPE');
    }
    if (data.length !== expected) {
      throw new TfLiteError(
        `tensor '${info.name}' has shape [${info.shape}] (${expected} values), got ${data.length}`, 'ERR_TFLITE_SIZE');
    }
    this.#host.write(this.#slot, data);
    this.#view = undefined; // a copy handed out earlier must not overwrite these values at the next invoke
    if (dtype === 'string') this.#info = undefined;
  }

  /** Copy out: a TypedArray, or string[] for string tensors. */
  get(): ValueOf<D> {
    this.#guard.check();
    const out = this.#host.read(this.#slot);
    return (this.#describe().type === TfLiteType.Float16 ? presentFloat16(out as Uint16Array) : out) as ValueOf<D>;
  }

  /**
   * A copy nested in the tensor's shape (Python's `get_tensor(i).tolist()`): numbers (bigints for int64/uint64,
   * strings for string tensors); complex values as [re, im] pairs; a scalar tensor gives its one value.
   */
  getNested<T extends Tensor>(this: T): NestedOf<T['dtype']> {
    const flat = this.get();
    const { shape } = this;
    const dims = dtypeInfo(this.#describe().type).lanes === 2 ? [...shape, 2] : shape;
    const values = Array.from(flat as ArrayLike<number | bigint | string>);
    let at = 0;
    const build = (depth: number): NestedValue[] => {
      const level: NestedValue[] = new Array(dims[depth]);
      for (let i = 0; i < dims[depth]; i++) level[i] = depth + 1 === dims.length ? values[at++] : build(depth + 1);
      return level;
    };
    // Numbers, bigints or strings as get()'s array holds them for this dtype: what NestedOf says.
    return (dims.length === 0 ? values[0] : build(0)) as NestedOf<T['dtype']>;
  }

  /** Quantizes real values into this (int8/uint8/int16/...) tensor with its own scale and zero point. */
  quantize(values: Float32Array): void {
    readingCallerValues('the values', () => this.#quantize(values));
  }

  #quantize(values: Float32Array): void {
    const info = this.#describe();
    const { name: dtype, array } = dtypeInfo(info.type);
    const expected = info.shape.reduce((a, b) => a * b, 1);
    if (!(values instanceof Float32Array)) {
      throw new TfLiteError('quantize() takes a Float32Array', 'ERR_TFLITE_DTYPE');
    }
    if (values.length !== expected) {
      throw new TfLiteError(`tensor '${info.name}' holds ${expected} values, got ${values.length}`, 'ERR_TFLITE_SIZE');
    }
    const target = new array(expected);
    quantizeInto(target, values, info.name, dtype, info.shape, this.quantizationParameters);
    this.#set(target);
  }

  /** Real values of this quantized tensor: scale * (q - zeroPoint). */
  dequantize(): Float32Array {
    const info = this.#describe();
    return dequantize(this.get() as TypedArray, info.name, dtypeInfo(info.type).name, info.shape,
      this.quantizationParameters);
  }

  /** This tensor typed as `Tensor<T>`, after checking at run time that its dtype is T (ERR_TFLITE_DTYPE if not). */
  as<T extends DType>(dtype: T): Tensor<T> {
    if ((this.dtype as DType) !== dtype) {
      throw new TfLiteError(`tensor '${this.name}' is ${this.dtype}, not ${describeValue(dtype)}`, 'ERR_TFLITE_DTYPE');
    }
    return this as unknown as Tensor<T>;
  }

  /** console.log(tensor): what it is, not its private fields. */
  [inspect.custom](_depth: number, options: object): string {
    if (this.#guard.disposed) return 'Tensor <disposed>';
    if (this.#guard.busy) return `Tensor #${this.#index} <busy: an async invoke is running>`;
    const { name, dtype, shape, quantization } = this;
    return `Tensor ${inspect({ name, index: this.#index, dtype, shape, quantization }, options)}`;
  }

  toJSON(): object {
    return { name: this.name, index: this.index, dtype: this.dtype, shape: this.shape,
      shapeSignature: this.shapeSignature, quantization: this.quantization };
  }
}
