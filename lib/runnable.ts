import type { NativeRunnable } from './binding';
import type { TypedArray } from './dtype';
import { argumentError, describeValue, optionsObject, readingCallerValues } from './arguments';
import { TfLiteError, captureCallSite, withCallSite } from './errors';
import type { UsageGuard } from './guard';
import { CopyTracker, Tensor, TensorInput, tensorCopies } from './tensor';

/** More dimensions than any TFLite kernel handles (they stop at 6; RESHAPE and friends at 8). */
const MAX_RANK = 16;

/**
 * A caller's shape read once (getters and Proxies answer once, so the checks and the resize see the same dimensions),
 * when it is an array of at most `maxRank` entries (checked before reading: a sparse array can claim 2^32 - 1);
 * undefined otherwise, or when reading it throws (the caller's ERR_TFLITE_SHAPE).
 */
export function readShape(requested: unknown, maxRank = MAX_RANK): unknown[] | undefined {
  try {
    return Array.isArray(requested) && requested.length <= maxRank ? Array.from(requested as unknown[]) : undefined;
  } catch {
    return undefined;
  }
}

export interface InvokeOptions {
  /** Aborting cancels the run through TFLite's cancellation API; the promise rejects with ERR_TFLITE_CANCELLED. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs in flight, cancelled when the process exits: exit waits for the libuv pool, and a long model would otherwise
 * hold the process for as long as it runs. (Workers torn down mid-run are handled natively.)
 */
const inFlight = new Set<NativeRunnable>();
let exitHookInstalled = false;
function trackRun(runnable: NativeRunnable): void {
  inFlight.add(runnable);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => inFlight.forEach((run) => run.cancel()));
  }
}

export type RunInputs = readonly TensorInput[] | Readonly<Record<string, TensorInput>>;
export type RunOutputs = Record<string, TypedArray | string[]>;

/** What the class built on a Runnable supplies (given through runnableInternals, so it is not on the object). */
export interface RunnableParts {
  /** The input tensors in order, with the names run() knows them by. */
  namedInputs(): [string, Tensor][];
  /** The output tensors in order, with the names run() returns them under. */
  namedOutputs(): [string, Tensor][];
  /** Turns a native error into the error users should see (e.g. Edge TPU hints). */
  explain?(error: unknown): unknown;
  /** After a successful allocation: throws to refuse it (the runnable stays unallocated). */
  checkAllocation?(): void;
  /** When an async run settles (the interpreter frees itself here if dispose() was deferred). */
  afterRun?(): void;
}

let attachParts: (runnable: Runnable, parts: RunnableParts) => void;
let resizeSlotOf: (runnable: Runnable, input: number, shape: readonly number[]) => void;
let trackerOf: (runnable: Runnable) => CopyTracker;

/**
 * What Interpreter and SignatureRunner reach of the Runnable under them. Module-level functions over ES private
 * fields, not protected members: those would be public at run time, and the native objects and unchecked slots
 * behind them are what a caller must never get hold of. lib/index.ts does not export this.
 */
export const runnableInternals = {
  attach: (runnable: Runnable, parts: RunnableParts): void => attachParts(runnable, parts),
  /** Resizes the input at `input` (a position the caller already checked). */
  resize: (runnable: Runnable, input: number, shape: readonly number[]): void => resizeSlotOf(runnable, input, shape),
  /** How this runnable's tensors register a copy `data` handed out. */
  tracker: (runnable: Runnable): CopyTracker => trackerOf(runnable),
};

/** Invoke options read once and checked: the AbortSignal, if any. */
export function checkInvokeOptions(options: unknown): AbortSignal | undefined {
  const { signal } = optionsObject(options as InvokeOptions | undefined, 'invoke options');
  if (signal !== undefined && !readingCallerValues('options.signal', () => signal instanceof AbortSignal)) {
    throw argumentError(`options.signal must be an AbortSignal, got ${describeValue(signal)}`);
  }
  return signal;
}

/**
 * What Interpreter and SignatureRunner share: allocation tracking, invoke (sync and on the libuv pool, with
 * cancellation and the busy guard) and run() (set inputs, invoke, copy outputs).
 */
export abstract class Runnable {
  readonly #guard: UsageGuard;
  readonly #runnable: NativeRunnable;
  #parts: RunnableParts = { namedInputs: () => [], namedOutputs: () => [] };
  #allocated = false;
  /** Tensors whose `data` is a copy, kept in step with TFLite around invokes (see CopyTracker). */
  readonly #copies = new Set<Tensor>();
  readonly #track: CopyTracker = (tensor) => this.#copies.add(tensor);

  static {
    attachParts = (runnable, parts) => { runnable.#parts = parts; };
    resizeSlotOf = (runnable, input, shape) => runnable.#resizeSlot(input, shape);
    trackerOf = (runnable) => runnable.#track;
  }

  /** @internal */
  protected constructor(runnable: NativeRunnable, guard: UsageGuard) {
    this.#runnable = runnable;
    this.#guard = guard;
  }

  #explain(error: unknown): unknown {
    return this.#parts.explain ? this.#parts.explain(error) : error;
  }

  /** Plans and allocates every tensor. Views handed out before are detached. */
  allocateTensors(): void {
    this.#guard.check();
    this.#guard.generation++;
    this.#allocated = false;
    try {
      this.#runnable.allocateTensors();
      this.#parts.checkAllocation?.();
    } catch (error) {
      throw this.#explain(error);
    }
    this.#allocated = true;
  }

  #resizeSlot(input: number, requested: readonly number[]): void {
    readingCallerValues('the shape', () => this.#resize(input, requested));
  }

  #resize(input: number, requested: readonly number[]): void {
    this.#guard.check();
    const read = readShape(requested);
    if (!read || read.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 0x7fffffff)) {
      throw new TfLiteError(`shape must be an array of non-negative integers, got ${describeValue(requested)}`,
        'ERR_TFLITE_SHAPE');
    }
    const shape = read as number[];
    // TFLite's kernels count elements in int: a larger tensor overflows their loops instead of failing.
    if (shape.reduce((a, b) => a * b, 1) > 0x7fffffff) {
      throw new TfLiteError(`shape [${shape}] has more than 2^31 - 1 elements, more than TFLite can index`,
        'ERR_TFLITE_SHAPE');
    }
    this.#guard.generation++;
    this.#allocated = false;
    this.#runnable.resizeInput(input, Int32Array.from(shape));
  }

  #checkInvokable(): void {
    this.#guard.check();
    if (!this.#allocated) {
      throw new TfLiteError('call allocateTensors() first (after creating or resizing)', 'ERR_TFLITE_INVOKE');
    }
    for (const tensor of this.#copies) {
      if (!tensorCopies.flush(tensor)) this.#copies.delete(tensor); // its copy went stale (allocate / resize)
    }
  }

  #refreshCopies(): void {
    for (const tensor of this.#copies) tensorCopies.refresh(tensor);
  }

  /** Runs the model on this thread. */
  invoke(): void {
    this.#checkInvokable();
    try {
      this.#runnable.invoke();
    } finally {
      this.#guard.invocations++;
    }
    this.#refreshCopies();
  }

  /** Runs the model on the libuv thread pool; the event loop stays free. Tensors are off limits until it settles. */
  async invokeAsync(options?: InvokeOptions): Promise<void> {
    const site = captureCallSite();
    let signal: AbortSignal | undefined;
    try {
      signal = checkInvokeOptions(options);
      this.#checkInvokable();
      if (signal?.aborted) throw new TfLiteError('the invoke was cancelled before it started', 'ERR_TFLITE_CANCELLED');
    } catch (error) {
      throw withCallSite(error, site);
    }
    const onAbort = () => this.#runnable.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#guard.busy = true;
    let promise: Promise<void>;
    try {
      promise = this.#runnable.invokeAsync();
    } catch (error) {
      this.#guard.busy = false;
      signal?.removeEventListener('abort', onAbort);
      throw withCallSite(error, site);
    }
    trackRun(this.#runnable);
    try {
      await promise;
    } catch (error) {
      throw withCallSite(error, site);
    } finally {
      inFlight.delete(this.#runnable);
      this.#guard.busy = false;
      this.#guard.invocations++;
      signal?.removeEventListener('abort', onAbort);
      this.#parts.afterRun?.();
    }
    if (!this.#guard.disposed) this.#refreshCopies();
  }

  /** Sets the inputs (array by position, or object by name), invokes, returns copies of the outputs by name. */
  run(inputs: RunInputs): RunOutputs {
    this.#setInputs(inputs);
    this.invoke();
    return this.#collectOutputs();
  }

  /** run() with the invoke on the libuv thread pool. */
  async runAsync(inputs: RunInputs, options?: InvokeOptions): Promise<RunOutputs> {
    const site = captureCallSite();
    try {
      this.#setInputs(inputs);
    } catch (error) {
      throw withCallSite(error, site);
    }
    await this.invokeAsync(options);
    try {
      return this.#collectOutputs();
    } catch (error) {
      throw withCallSite(error, site);
    }
  }

  #setInputs(inputs: RunInputs): void {
    // Reading the caller's array or object may throw (getters, Proxies): that is ERR_TFLITE_ARGUMENT.
    readingCallerValues('the inputs', () => this.#setEach(inputs));
  }

  #setEach(inputs: RunInputs): void {
    this.#guard.check();
    const named = this.#parts.namedInputs();
    if (Array.isArray(inputs)) {
      if (inputs.length !== named.length) {
        throw argumentError(`the model has ${named.length} inputs, got ${inputs.length}`);
      }
      (Array.from(inputs) as TensorInput[]).forEach((value, i) => named[i][1].set(value));
      return;
    }
    if (inputs === null || typeof inputs !== 'object' || ArrayBuffer.isView(inputs)) {
      throw argumentError(`inputs must be an array (by position) or an object (by name), got ${describeValue(inputs)}`);
    }
    const byName = new Map(named);
    for (const [name, value] of Object.entries(inputs as Record<string, TensorInput>)) {
      const tensor = byName.get(name);
      if (!tensor) {
        throw new TfLiteError(`no input named '${name}'; inputs are: ${[...byName.keys()].join(', ')}`,
          'ERR_TFLITE_NOT_FOUND');
      }
      tensor.set(value);
    }
  }

  #collectOutputs(): RunOutputs {
    const out: RunOutputs = {};
    for (const [name, tensor] of this.#parts.namedOutputs()) out[name] = tensor.get();
    return out;
  }
}
