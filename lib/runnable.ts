import type { NativeRunnable } from './binding';
import type { TypedArray } from './dtype';
import { TfLiteError, captureCallSite, withCallSite } from './errors';
import type { UsageGuard } from './guard';
import type { CopyTracker, Tensor, TensorInput } from './tensor';

export interface InvokeOptions {
  /** Aborting cancels the run through TFLite's cancellation API; the promise rejects with ERR_TFLITE_CANCELLED. */
  signal?: AbortSignal;
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

/**
 * What Interpreter and SignatureRunner share: allocation tracking, invoke (sync and on the libuv pool, with
 * cancellation and the busy guard) and run() (set inputs, invoke, copy outputs).
 */
export abstract class Runnable implements CopyTracker {
  /** @internal */ protected readonly guard: UsageGuard;
  /** @internal */ protected readonly runnable: NativeRunnable;
  #allocated = false;
  /** Tensors whose `data` is a copy, kept in step with TFLite around invokes (see CopyTracker). */
  readonly #copies = new Set<Tensor>();

  /** @internal */
  protected constructor(runnable: NativeRunnable, guard: UsageGuard) {
    this.runnable = runnable;
    this.guard = guard;
  }

  /** @internal The input tensors in order, with the names run() knows them by. */
  protected abstract namedInputs(): [string, Tensor][];
  /** @internal The output tensors in order, with the names run() returns them under. */
  protected abstract namedOutputs(): [string, Tensor][];
  /** @internal Turns a native error into the error users should see (e.g. Edge TPU hints). */
  protected explain(error: unknown): unknown {
    return error;
  }

  /** @internal */
  track(tensor: Tensor): void {
    this.#copies.add(tensor);
  }

  /** Plans and allocates every tensor. Views handed out before are detached. */
  allocateTensors(): void {
    this.guard.check();
    this.guard.generation++;
    this.#allocated = false;
    try {
      this.runnable.allocateTensors();
      this.checkAllocation();
    } catch (error) {
      throw this.explain(error);
    }
    this.#allocated = true;
  }

  /** @internal After a successful allocation: throws to refuse it (the runnable stays unallocated). */
  protected checkAllocation(): void {}

  /** @internal */
  protected resizeSlot(input: number, shape: readonly number[]): void {
    this.guard.check();
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0 || d > 0x7fffffff)) {
      throw new TfLiteError(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
        'ERR_TFLITE_SHAPE');
    }
    // TFLite's kernels count elements in int: a larger tensor overflows their loops instead of failing.
    if (shape.reduce((a, b) => a * b, 1) > 0x7fffffff) {
      throw new TfLiteError(`shape [${shape}] has more than 2^31 - 1 elements, more than TFLite can index`,
        'ERR_TFLITE_SHAPE');
    }
    this.guard.generation++;
    this.#allocated = false;
    this.runnable.resizeInput(input, Int32Array.from(shape));
  }

  #checkInvokable(): void {
    this.guard.check();
    if (!this.#allocated) {
      throw new TfLiteError('call allocateTensors() first (after creating or resizing)', 'ERR_TFLITE_INVOKE');
    }
    for (const tensor of this.#copies) {
      if (!tensor.flush()) this.#copies.delete(tensor); // its copy went stale (allocate / resize)
    }
  }

  #refreshCopies(): void {
    for (const tensor of this.#copies) tensor.refresh();
  }

  /** Runs the model on this thread. */
  invoke(): void {
    this.#checkInvokable();
    try {
      this.runnable.invoke();
    } finally {
      this.guard.invocations++;
    }
    this.#refreshCopies();
  }

  /** Runs the model on the libuv thread pool; the event loop stays free. Tensors are off limits until it settles. */
  async invokeAsync(options: InvokeOptions = {}): Promise<void> {
    const site = captureCallSite();
    const signal = options.signal;
    try {
      this.#checkInvokable();
      if (signal?.aborted) throw new TfLiteError('the invoke was cancelled before it started', 'ERR_TFLITE_CANCELLED');
    } catch (error) {
      throw withCallSite(error, site);
    }
    const onAbort = () => this.runnable.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.guard.busy = true;
    let promise: Promise<void>;
    try {
      promise = this.runnable.invokeAsync();
    } catch (error) {
      this.guard.busy = false;
      signal?.removeEventListener('abort', onAbort);
      throw withCallSite(error, site);
    }
    trackRun(this.runnable);
    try {
      await promise;
    } catch (error) {
      throw withCallSite(error, site);
    } finally {
      inFlight.delete(this.runnable);
      this.guard.busy = false;
      this.guard.invocations++;
      signal?.removeEventListener('abort', onAbort);
      this.afterRun();
    }
    if (!this.guard.disposed) this.#refreshCopies();
  }

  /** @internal Called when an async run settles (the interpreter frees itself here if dispose() was deferred). */
  protected afterRun(): void {}

  /** Sets the inputs (array by position, or object by name), invokes, returns copies of the outputs by name. */
  run(inputs: RunInputs): RunOutputs {
    this.#setInputs(inputs);
    this.invoke();
    return this.#collectOutputs();
  }

  /** run() with the invoke on the libuv thread pool. */
  async runAsync(inputs: RunInputs, options: InvokeOptions = {}): Promise<RunOutputs> {
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
    this.guard.check();
    const named = this.namedInputs();
    if (Array.isArray(inputs)) {
      if (inputs.length !== named.length) {
        throw new TfLiteError(`the model has ${named.length} inputs, got ${inputs.length}`, 'ERR_TFLITE_INDEX');
      }
      inputs.forEach((value, i) => named[i][1].set(value));
      return;
    }
    if (inputs === null || typeof inputs !== 'object') {
      throw new TfLiteError('inputs must be an array (by position) or an object (by name)', 'ERR_TFLITE_NOT_FOUND');
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
    for (const [name, tensor] of this.namedOutputs()) out[name] = tensor.get();
    return out;
  }
}
