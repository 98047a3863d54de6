import { createHash } from 'crypto';
import { EventEmitter } from 'events';
import { argumentError, describeValue, optionsObject } from './arguments';
import { TfLiteError, TfLiteErrorCode } from './errors';
import { Interpreter, InterpreterOptions } from './interpreter';
import { ModelSource, adoptModelBytes, copyModelBytes, readModelFile, refuseProxy } from './model-source';
import { ModelWatcher, WatchOptions, watchFile } from './model-watch';
import { checkInvokeOptions } from './runnable';
import type { InvokeOptions, RunInputs, RunOutputs } from './runnable';

/** The most interpreters one pool may hold. Each holds its own tensors and arena; past this, memory runs out first. */
export const MAX_POOL_SIZE = 256;

export interface PoolOptions extends InterpreterOptions {
  /** How many interpreters (concurrent runs), 1 to MAX_POOL_SIZE (256). Default 2. The model bytes are shared. */
  size?: number | undefined;
  /**
   * Reload the model when its file is replaced (the model must be a path): `true`, or the watch and reload options
   * (`debounceMs`, `pollMs`, `warmup`, `allowIncompatible`). Failures are 'reloadFailed' events; the old model
   * keeps serving.
   */
  watch?: boolean | PoolWatchOptions | undefined;
}

/** What pool.reload() checks before the swap. */
export interface ReloadOptions {
  /** The new model's expected sha256 (hex). A mismatch refuses the model (ERR_TFLITE_MODEL_INVALID). */
  sha256?: string | undefined;
  /**
   * One run on every new interpreter before the swap: `true` runs the inputs as allocated (zeros), an inputs
   * array/object runs those, `{ inputs, check }` also hands the outputs to `check`, which refuses the model by
   * throwing or returning false. A run that fails refuses the model; the old one keeps serving.
   */
  warmup?: boolean | RunInputs | WarmupCheck | undefined;
  /**
   * Swap even when the new model's inputs or outputs differ from the old ones in name, dtype or shape signature.
   * Default false: such a model is refused (ERR_TFLITE_NOT_FOUND / ERR_TFLITE_DTYPE / ERR_TFLITE_SHAPE).
   */
  allowIncompatible?: boolean | undefined;
  /** Interpreter options for the new model. Default: the ones the pool was created with. */
  interpreter?: InterpreterOptions | undefined;
}

export interface WarmupCheck {
  inputs?: RunInputs | undefined;
  check?: ((outputs: RunOutputs) => unknown) | undefined;
}

export type PoolWatchOptions = WatchOptions & Omit<ReloadOptions, 'sha256'>;

/** A model input or output as the compatibility check compares it. */
export interface TensorSignature {
  name: string;
  dtype: string;
  shape: number[];
}

/** The model a pool generation serves. */
export interface PoolModel {
  /** 1 for the model the pool was created with, +1 per reload. */
  generation: number;
  sha256: string;
  /** The file it was read from, or null for a model given as bytes. */
  path: string | null;
  bytes: number;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

/** The 'reload' event: the pool switched models. */
export interface ReloadEvent {
  previous: PoolModel;
  current: PoolModel;
  /** Runs still going on the previous model at the switch; it is disposed when they end ('retired'). */
  inFlight: number;
  /** From the start of the reload (read, verify, load, warm up) to the switch. */
  ms: number;
}

/** The 'retired' event: the last run on an old model ended and its interpreters were disposed. */
export interface RetiredEvent {
  model: PoolModel;
  /** Runs it served in all. */
  runs: number;
}

export type ReloadStage = 'read' | 'sha256' | 'load' | 'compatibility' | 'warmup' | 'disposed';

/** Why a reload was refused: `stage` says which step failed, `code` what went wrong; the old model keeps serving. */
export class ReloadError extends TfLiteError {
  readonly stage: ReloadStage;

  constructor(stage: ReloadStage, message: string, code: TfLiteErrorCode, cause?: unknown) {
    super(`reload refused (${stage}): ${message}`, code);
    this.stage = stage;
    if (cause !== undefined) Object.defineProperty(this, 'cause', { value: cause, configurable: true });
  }
}

/** One model's interpreters. Runs count against the generation they started on. */
interface Generation {
  readonly model: PoolModel;
  readonly interpreters: Interpreter[];
  readonly idle: Interpreter[];
  running: number;
  runs: number;
  retired: boolean;
}

interface Lease {
  generation: Generation;
  interpreter: Interpreter;
}

function checkSize(size: unknown): number {
  if (size === undefined) return 2;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
    throw argumentError(`pool size must be an integer from 1 to ${MAX_POOL_SIZE}, got ${describeValue(size)}`);
  }
  return size;
}

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for('nodejs.dispose');

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function tensorSignatures(interpreter: Interpreter): { inputs: TensorSignature[]; outputs: TensorSignature[] } {
  const describe = (t: { name: string; dtype: string; shapeSignature: number[] }) =>
    ({ name: t.name, dtype: t.dtype, shape: t.shapeSignature });
  return { inputs: interpreter.inputs.map(describe), outputs: interpreter.outputs.map(describe) };
}

/** Why `next` cannot stand in for `previous`, or null. */
function incompatibility(previous: PoolModel, next: PoolModel): { message: string; code: TfLiteErrorCode } | null {
  for (const kind of ['inputs', 'outputs'] as const) {
    const old = previous[kind];
    const now = next[kind];
    const names = (list: TensorSignature[]) => list.map((t) => t.name).join(', ');
    if (old.length !== now.length || old.some((t, i) => t.name !== now[i].name)) {
      return { message: `the new model's ${kind} are [${names(now)}], the serving model's [${names(old)}]`,
        code: 'ERR_TFLITE_NOT_FOUND' };
    }
    for (let i = 0; i < old.length; i++) {
      if (old[i].dtype !== now[i].dtype) {
        return { message: `${kind.slice(0, -1)} '${old[i].name}' is ${now[i].dtype} in the new model, ` +
          `${old[i].dtype} in the serving one`, code: 'ERR_TFLITE_DTYPE' };
      }
      if (old[i].shape.join() !== now[i].shape.join()) {
        return { message: `${kind.slice(0, -1)} '${old[i].name}' has shape [${now[i].shape}] in the new model, ` +
          `[${old[i].shape}] in the serving one`, code: 'ERR_TFLITE_SHAPE' };
      }
    }
  }
  return null;
}

function codeOf(error: unknown, fallback: TfLiteErrorCode): TfLiteErrorCode {
  return error instanceof TfLiteError ? error.code : fallback;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The reload options, read once into a copy and checked. */
function checkReloadOptions(given: ReloadOptions): ReloadOptions {
  const options = optionsObject(given, 'reload options');
  if (options.sha256 !== undefined && (typeof options.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(options.sha256))) {
    throw argumentError('sha256 must be 64 hex digits');
  }
  if (options.interpreter !== undefined) options.interpreter = optionsObject(options.interpreter, 'interpreter options');
  const warmup = options.warmup;
  if (warmup !== undefined && typeof warmup !== 'boolean' && (warmup === null || typeof warmup !== 'object')) {
    throw argumentError('warmup must be true, the inputs of a run, or { inputs, check }');
  }
  return options;
}

/**
 * The bytes of a model source, read (a path) or copied (memory) once into a Buffer nobody else holds: every
 * interpreter of the pool adopts the same bytes (lib/model-source.ts adoptModelBytes), none copies them again.
 */
async function modelBytes(model: ModelSource): Promise<Buffer> {
  return typeof model === 'string' ? readModelFile(model) : copyModelBytes(model);
}

/**
 * `size` interpreters of one model, each allocated, created one per event-loop turn so timers keep running. The
 * bytes are verified and checked once (one TfLiteModel); every interpreter holds a share of it.
 */
async function buildInterpreters(bytes: Buffer, size: number, options: InterpreterOptions,
  cancelled: () => boolean = () => false): Promise<Interpreter[]> {
  const model = adoptModelBytes(bytes);
  const interpreters: Interpreter[] = [];
  try {
    for (let i = 0; i < size; i++) {
      if (i > 0) await yieldToLoop();
      if (cancelled()) throw new TfLiteError('the pool was disposed', 'ERR_TFLITE_DISPOSED');
      const interpreter = new Interpreter(model as unknown as ModelSource, options);
      interpreters.push(interpreter);
      interpreter.allocateTensors();
    }
  } catch (error) {
    for (const interpreter of interpreters) interpreter.dispose();
    model.model.dispose(); // the interpreters made keep their shares; a model none took is freed here
    throw error;
  }
  return interpreters;
}

function describeModel(generation: number, model: ModelSource, view: Buffer, first: Interpreter): PoolModel {
  return {
    generation,
    sha256: createHash('sha256').update(view).digest('hex'),
    path: typeof model === 'string' ? model : null,
    bytes: view.byteLength,
    ...tensorSignatures(first),
  };
}

export interface InterpreterPool {
  on(event: 'reload', listener: (event: ReloadEvent) => void): this;
  on(event: 'retired', listener: (event: RetiredEvent) => void): this;
  on(event: 'reloadFailed', listener: (error: ReloadError) => void): this;
  once(event: 'reload', listener: (event: ReloadEvent) => void): this;
  once(event: 'retired', listener: (event: RetiredEvent) => void): this;
  once(event: 'reloadFailed', listener: (error: ReloadError) => void): this;
  off(event: 'reload', listener: (event: ReloadEvent) => void): this;
  off(event: 'retired', listener: (event: RetiredEvent) => void): this;
  off(event: 'reloadFailed', listener: (error: ReloadError) => void): this;
}

/**
 * `size` interpreters of one model, allocated up front; run() takes an idle one (or waits for one) and runs
 * asynchronously on the libuv pool. For servers: throughput scales with cores while the event loop stays free.
 *
 * reload() swaps the model under load: runs in flight finish on the old model, every run that starts after the
 * swap (including those waiting for an interpreter) gets the new one. Events: 'reload' (ReloadEvent), 'retired'
 * (RetiredEvent), 'reloadFailed' (ReloadError).
 */
export class InterpreterPool extends EventEmitter {
  #current: Generation;
  readonly #generations = new Set<Generation>();
  readonly #waiting: { resolve: (lease: Lease) => void; reject: (error: unknown) => void }[] = [];
  readonly #options: InterpreterOptions;
  readonly #size: number;
  readonly #watchers = new Set<ModelWatcher>();
  #reloads: Promise<unknown> = Promise.resolve();
  #disposed = false;

  /** @internal */
  constructor(interpreters: Interpreter[], model: PoolModel, options: InterpreterOptions) {
    super();
    this.#size = interpreters.length;
    this.#options = options;
    this.#current = this.#generation(interpreters, model);
  }

  #generation(interpreters: Interpreter[], model: PoolModel): Generation {
    const generation = { model, interpreters, idle: [...interpreters], running: 0, runs: 0, retired: false };
    this.#generations.add(generation);
    return generation;
  }

  get size(): number {
    return this.#size;
  }

  /** Interpreters of the serving model not running right now. */
  get idle(): number {
    return this.#current.idle.length;
  }

  /** The model being served: generation, sha256, path, inputs and outputs. */
  get model(): PoolModel {
    return this.#current.model;
  }

  /** Runs going right now, on any model (old ones included). */
  get running(): number {
    let count = 0;
    for (const generation of this.#generations) count += generation.running;
    return count;
  }

  #lease(): Lease | undefined {
    const generation = this.#current;
    const interpreter = generation.idle.pop();
    if (!interpreter) return undefined;
    generation.running++;
    return { generation, interpreter };
  }

  /**
   * Runs on an idle interpreter of the serving model, or waits for one (first come, first served). An AbortSignal
   * that aborts while the run waits takes it out of the queue (ERR_TFLITE_CANCELLED).
   */
  async run(inputs: RunInputs, options?: InvokeOptions): Promise<RunOutputs> {
    if (this.#disposed) throw new TfLiteError('the pool was disposed', 'ERR_TFLITE_DISPOSED');
    const signal = checkInvokeOptions(options);
    const lease = this.#lease() ?? (await this.#wait(signal));
    try {
      return await lease.interpreter.runAsync(inputs, signal ? { signal } : {});
    } finally {
      this.#release(lease);
    }
  }

  #wait(signal: AbortSignal | undefined): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      if (signal instanceof AbortSignal && signal.aborted) {
        reject(new TfLiteError('the run was cancelled before it started', 'ERR_TFLITE_CANCELLED'));
        return;
      }
      const onAbort = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(new TfLiteError('the run was cancelled while it waited for an interpreter', 'ERR_TFLITE_CANCELLED'));
      };
      const done = () => { if (signal instanceof AbortSignal) signal.removeEventListener('abort', onAbort); };
      const waiter = {
        resolve: (lease: Lease) => { done(); resolve(lease); },
        reject: (error: unknown) => { done(); reject(error); },
      };
      if (signal instanceof AbortSignal) signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #release({ generation, interpreter }: Lease): void {
    generation.running--;
    generation.runs++;
    if (generation === this.#current && !this.#disposed) {
      const next = this.#waiting.shift();
      if (next) {
        generation.running++;
        next.resolve({ generation, interpreter });
      } else {
        generation.idle.push(interpreter);
      }
      return;
    }
    interpreter.dispose();
    if (generation.running === 0) this.#retire(generation);
  }

  #retire(generation: Generation): void {
    if (generation.retired) return;
    generation.retired = true;
    for (const interpreter of generation.interpreters) interpreter.dispose();
    this.#generations.delete(generation);
    if (!this.#disposed) this.emit('retired', { model: generation.model, runs: generation.runs } satisfies RetiredEvent);
  }

  /**
   * Loads `model` beside the serving one, verifies it (sha256, load and allocation of every interpreter, inputs and
   * outputs compatible with the serving model unless `allowIncompatible`, warm-up), then switches atomically.
   * Resolves with the new PoolModel; rejects with a ReloadError and keeps the old model serving when any step
   * fails. Reloads run one after another in call order.
   */
  reload(model: ModelSource, options: ReloadOptions = {}): Promise<PoolModel> {
    const result = this.#reloads.then(() => this.#reload(model, options));
    this.#reloads = result.catch(() => undefined);
    return result;
  }

  /** `watched`: started by a watch (skip unchanged bytes; a failure nobody listens to is a process warning). */
  async #reload(model: ModelSource, options: ReloadOptions, watched = false): Promise<PoolModel> {
    const started = performance.now();
    try {
      options = checkReloadOptions(options);
    } catch (error) {
      throw this.#failed(new ReloadError('read', messageOf(error), 'ERR_TFLITE_ARGUMENT', error), watched);
    }
    const stage = (name: ReloadStage) => {
      if (this.#disposed) throw new ReloadError('disposed', 'the pool was disposed', 'ERR_TFLITE_DISPOSED');
      return name;
    };
    let current: ReloadStage = stage('read');
    let interpreters: Interpreter[] = [];
    let prepared: PoolModel | undefined;
    try {
      const view = await modelBytes(model);
      current = stage('sha256');
      const sha256 = createHash('sha256').update(view).digest('hex');
      if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) {
        throw new TfLiteError(`the model's sha256 is ${sha256}, expected ${options.sha256.toLowerCase()}`,
          'ERR_TFLITE_MODEL_INVALID');
      }
      if (watched && sha256 === this.#current.model.sha256) return this.#current.model;
      current = stage('load');
      interpreters = await buildInterpreters(view, this.#size, options.interpreter ?? this.#options,
        () => this.#disposed);
      const next: PoolModel = {
        generation: this.#current.model.generation + 1,
        sha256,
        path: typeof model === 'string' ? model : null,
        bytes: view.byteLength,
        ...tensorSignatures(interpreters[0]),
      };
      current = stage('compatibility');
      const problem = options.allowIncompatible ? null : incompatibility(this.#current.model, next);
      if (problem) throw new TfLiteError(problem.message, problem.code);
      current = stage('warmup');
      if (options.warmup !== undefined && options.warmup !== false) await warmUp(interpreters, options.warmup);
      stage('warmup');
      prepared = next;
    } catch (error) {
      for (const interpreter of interpreters) interpreter.dispose();
      if (error instanceof ReloadError) throw this.#failed(error, watched);
      if (this.#disposed) throw new ReloadError('disposed', 'the pool was disposed', 'ERR_TFLITE_DISPOSED', error);
      const fallback: TfLiteErrorCode = current === 'warmup' ? 'ERR_TFLITE_INVOKE' : 'ERR_TFLITE_MODEL_INVALID';
      throw this.#failed(new ReloadError(current, messageOf(error), codeOf(error, fallback), error), watched);
    }
    return prepared === undefined ? this.#current.model : this.#swap(interpreters, prepared, performance.now() - started);
  }

  #failed(error: ReloadError, watched: boolean): ReloadError {
    if (error.stage !== 'disposed' && !this.emit('reloadFailed', error) && watched) {
      process.emitWarning(`watched model not loaded, the old one keeps serving: ${error.message}`,
        { code: 'TFLITE_RELOAD_FAILED' });
    }
    return error;
  }

  /** Synchronous: no run can start between the old generation's last lease and the new one's first. */
  #swap(interpreters: Interpreter[], model: PoolModel, ms: number): PoolModel {
    const previous = this.#current;
    const next = this.#generation(interpreters, model);
    this.#current = next;
    for (const interpreter of previous.idle.splice(0)) interpreter.dispose();
    while (this.#waiting.length > 0 && next.idle.length > 0) {
      const lease = this.#lease() as Lease;
      this.#waiting.shift()!.resolve(lease);
    }
    this.emit('reload', { previous: previous.model, current: model, inFlight: previous.running, ms } satisfies ReloadEvent);
    if (previous.running === 0) this.#retire(previous);
    return model;
  }

  /**
   * Reloads the model whenever the file at `file` is replaced (written elsewhere and renamed over it, the way deploy
   * tools write) or rewritten. A file whose bytes did not change (same sha256) is not reloaded. Outcomes arrive as
   * 'reload' and 'reloadFailed' events (a 'reloadFailed' with no listener is a process warning). Stopped by
   * close() or dispose().
   */
  watch(file: string, options: PoolWatchOptions = {}): ModelWatcher {
    if (this.#disposed) throw new TfLiteError('the pool was disposed', 'ERR_TFLITE_DISPOSED');
    const { debounceMs, pollMs, ...given } = optionsObject(options, 'watch options');
    const reloadOptions = checkReloadOptions(given);
    const onChange = () => {
      if (this.#disposed) return;
      // Failures were reported by #failed (event or warning).
      this.#reloads = this.#reloads.then(() => this.#reload(file, reloadOptions, true)).catch(() => undefined);
    };
    const inner = watchFile(file, onChange, { debounceMs, pollMs });
    const watcher: ModelWatcher = {
      path: inner.path,
      close: () => {
        inner.close();
        this.#watchers.delete(watcher);
      },
    };
    this.#watchers.add(watcher);
    return watcher;
  }

  /**
   * Frees every interpreter (one running finishes its run first, and that run resolves), stops watches, rejects
   * runs waiting for an interpreter and a reload in progress.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const watcher of [...this.#watchers]) watcher.close();
    for (const waiter of this.#waiting.splice(0)) {
      waiter.reject(new TfLiteError('the pool was disposed', 'ERR_TFLITE_DISPOSED'));
    }
    // Runs in flight keep their interpreter until they end (and return their outputs); #release frees it then.
    for (const generation of [...this.#generations]) {
      for (const interpreter of generation.idle.splice(0)) interpreter.dispose();
      if (generation.running === 0) this.#retire(generation);
    }
  }

  [disposeSymbol](): void {
    this.dispose();
  }
}

async function warmUp(interpreters: Interpreter[], warmup: true | RunInputs | WarmupCheck): Promise<void> {
  // { inputs, check } unless those are the model's own input names (an input may be called 'inputs').
  const names = new Set(interpreters[0].inputs.map((t) => t.name));
  const keys = typeof warmup === 'object' && !Array.isArray(warmup) ? Object.keys(warmup) : [];
  const isCheck = keys.length > 0 && keys.every((k) => (k === 'inputs' || k === 'check') && !names.has(k));
  const spec: WarmupCheck = warmup === true ? {} : isCheck ? warmup as WarmupCheck : { inputs: warmup as RunInputs };
  await Promise.all(interpreters.map(async (interpreter) => {
    let outputs: RunOutputs;
    if (spec.inputs === undefined) {
      // Zeros: a fresh arena holds whatever was there (a loop count read from it could be anything).
      for (const tensor of interpreter.inputs) {
        if (tensor.dtype === 'string') tensor.set(new Array(tensor.shape.reduce((a, b) => a * b, 1)).fill(''));
        else if (tensor.data instanceof BigInt64Array || tensor.data instanceof BigUint64Array) tensor.data.fill(0n);
        else tensor.data.fill(0);
      }
      await interpreter.invokeAsync();
      outputs = Object.fromEntries(interpreter.outputs.map((t) => [t.name, t.get()]));
    } else {
      outputs = await interpreter.runAsync(spec.inputs);
    }
    if (spec.check) {
      let verdict: unknown;
      try {
        verdict = await spec.check(outputs);
      } catch (error) {
        throw new TfLiteError(`the warm-up check threw: ${messageOf(error)}`, 'ERR_TFLITE_INVOKE');
      }
      if (verdict === false) throw new TfLiteError('the warm-up check returned false', 'ERR_TFLITE_INVOKE');
    }
  }));
}

function threadPoolSize(): number {
  const configured = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isInteger(configured) && configured > 0 ? configured : 4;
}

/**
 * Creates an InterpreterPool: the model is read once and shared by every interpreter. Interpreters are created one
 * per event-loop turn, so timers and I/O keep running while a large pool comes up.
 */
export async function createPool(model: ModelSource, given?: PoolOptions): Promise<InterpreterPool> {
  refuseProxy(model);
  const { size: requested, watch, ...interpreterOptions } = optionsObject(given, 'pool options');
  const size = checkSize(requested);
  if (watch !== undefined && watch !== false) {
    if (typeof model !== 'string') throw argumentError('watch needs the model as a file path');
    if (watch !== true) optionsObject(watch, 'watch options');
  }
  if (size > threadPoolSize()) {
    process.emitWarning(`pool size ${size} exceeds the libuv thread pool (${threadPoolSize()}): at most ` +
      `${threadPoolSize()} runs go at once. Set UV_THREADPOOL_SIZE before the process starts to raise it.`,
    { code: 'TFLITE_POOL_SIZE' });
  }
  // Read once; every interpreter's model is a view of the same bytes (no copies).
  const view = await modelBytes(model);
  const interpreters = await buildInterpreters(view, size, interpreterOptions);
  const pool = new InterpreterPool(interpreters, describeModel(1, model, view, interpreters[0]), interpreterOptions);
  if (watch !== undefined && watch !== false) {
    try {
      pool.watch(model as string, watch === true ? {} : watch);
    } catch (error) {
      pool.dispose();
      throw error;
    }
  }
  return pool;
}
