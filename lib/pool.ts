import { TfLiteError } from './errors';
import { Interpreter, InterpreterOptions } from './interpreter';
import { ModelSource, readModel } from './model-source';
import type { InvokeOptions, RunInputs, RunOutputs } from './runnable';
import * as fs from 'fs';

export interface PoolOptions extends InterpreterOptions {
  /** How many interpreters (concurrent runs). Default 2. Each holds its own tensors; the model bytes are shared. */
  size?: number;
}

/**
 * `size` interpreters of one model, allocated up front; run() takes an idle one (or waits for one) and runs
 * asynchronously on the libuv pool. For servers: throughput scales with cores while the event loop stays free.
 */
export class InterpreterPool {
  readonly #idle: Interpreter[] = [];
  readonly #all: Interpreter[];
  readonly #waiting: ((interpreter: Interpreter) => void)[] = [];
  #disposed = false;

  /** @internal */
  constructor(interpreters: Interpreter[]) {
    this.#all = interpreters;
    this.#idle.push(...interpreters);
  }

  get size(): number {
    return this.#all.length;
  }

  /** Interpreters not running right now. */
  get idle(): number {
    return this.#idle.length;
  }

  async run(inputs: RunInputs, options: InvokeOptions = {}): Promise<RunOutputs> {
    if (this.#disposed) throw new TfLiteError('the pool was disposed', 'ERR_TFLITE_DISPOSED');
    const interpreter = this.#idle.pop() ?? (await new Promise<Interpreter>((resolve) => this.#waiting.push(resolve)));
    try {
      return await interpreter.runAsync(inputs, options);
    } finally {
      const next = this.#waiting.shift();
      if (next) next(interpreter);
      else this.#idle.push(interpreter);
    }
  }

  /** Frees every interpreter (each one as soon as its current run ends). */
  dispose(): void {
    this.#disposed = true;
    for (const interpreter of this.#all) interpreter.dispose();
  }
}

function threadPoolSize(): number {
  const configured = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isInteger(configured) && configured > 0 ? configured : 4;
}

/** Creates an InterpreterPool: the model is read once and shared by every interpreter. */
export async function createPool(model: ModelSource, options: PoolOptions = {}): Promise<InterpreterPool> {
  const { size = 2, ...interpreterOptions } = options;
  if (!Number.isInteger(size) || size < 1) {
    throw new TfLiteError('pool size must be a positive integer', 'ERR_TFLITE_INDEX');
  }
  if (size > threadPoolSize()) {
    process.emitWarning(`pool size ${size} exceeds the libuv thread pool (${threadPoolSize()}): at most ` +
      `${threadPoolSize()} runs go at once. Set UV_THREADPOOL_SIZE before the process starts to raise it.`,
    { code: 'TFLITE_POOL_SIZE' });
  }
  // Read once; every interpreter's model is a view of the same bytes (no copies).
  const probe = await readModel(model);
  probe.dispose();
  const bytes = typeof model === 'string' ? await fs.promises.readFile(model) : model;
  const interpreters: Interpreter[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const interpreter = new Interpreter(bytes, interpreterOptions);
      interpreters.push(interpreter);
      interpreter.allocateTensors();
    }
  } catch (error) {
    for (const interpreter of interpreters) interpreter.dispose();
    throw error;
  }
  return new InterpreterPool(interpreters);
}
