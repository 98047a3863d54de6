import type { NativeSignatureRunner } from './binding';
import { argumentError, describeValue, readingCallerValues } from './arguments';
import { TfLiteError } from './errors';
import type { UsageGuard } from './guard';
import { Runnable, runnableInternals } from './runnable';
import { Tensor } from './tensor';

/**
 * One signature of a model (Python's get_signature_runner): inputs and outputs keyed by the signature's names,
 * its own allocation and invoke. Shares the interpreter's busy and dispose state.
 */
export class SignatureRunner extends Runnable {
  readonly key: string;
  readonly #guard: UsageGuard;
  readonly #inputs: Record<string, Tensor> = {};
  readonly #outputs: Record<string, Tensor> = {};

  /** @internal */
  constructor(runner: NativeSignatureRunner, key: string, guard: UsageGuard) {
    super(runner, guard);
    this.key = key;
    this.#guard = guard;
    runnableInternals.attach(this, {
      namedInputs: () => Object.entries(this.#inputs),
      namedOutputs: () => Object.entries(this.#outputs),
    });
    const track = runnableInternals.tracker(this);
    const inputNames = runner.inputNames();
    const indices = runner.tensorIndices();
    inputNames.forEach((name, slot) => {
      this.#inputs[name] = new Tensor(runner, slot, indices[slot], guard, track);
    });
    runner.outputNames().forEach((name, i) => {
      const slot = inputNames.length + i;
      this.#outputs[name] = new Tensor(runner, slot, indices[slot], guard, track);
    });
  }

  /** Inputs keyed by the signature's names, in TFLite's order. */
  get inputs(): Record<string, Tensor> {
    this.#guard.check();
    return { ...this.#inputs };
  }

  /** Outputs keyed by the signature's names, in TFLite's order. */
  get outputs(): Record<string, Tensor> {
    this.#guard.check();
    return { ...this.#outputs };
  }

  input(name: string): Tensor {
    return this.#lookup(this.#inputs, name, 'input');
  }

  output(name: string): Tensor {
    return this.#lookup(this.#outputs, name, 'output');
  }

  #lookup(table: Record<string, Tensor>, name: string, kind: string): Tensor {
    this.#guard.check();
    if (typeof name !== 'string') {
      throw argumentError(`a signature ${kind} is named by a string, got ${describeValue(name)}`);
    }
    const tensor = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
    if (!tensor) {
      throw new TfLiteError(`signature '${this.key}' has no ${kind} '${name}'; ${kind}s are: ${Object.keys(table).join(', ')}`,
        'ERR_TFLITE_NOT_FOUND');
    }
    return tensor;
  }

  /** Changes an input's shape; only dimensions that are -1 in the signature may change. */
  resizeInput(name: string, requested: readonly number[]): void {
    readingCallerValues('the shape', () => this.#resizeInput(name, requested));
  }

  #resizeInput(name: string, requested: readonly number[]): void {
    const tensor = this.input(name);
    const signature = tensor.shapeSignature;
    // Read once: the check and the resize must see the same dimensions.
    let shape: unknown[] | undefined;
    try {
      shape = Array.isArray(requested) && requested.length === signature.length
        ? Array.from(requested as unknown[]) : undefined;
    } catch {
      shape = undefined;
    }
    const fixed = shape !== undefined && shape.length === signature.length &&
      signature.every((d, i) => d === -1 || d === shape![i]);
    if (!fixed) {
      throw new TfLiteError(`input '${name}' has signature [${signature}]: only -1 dimensions may change, got ` +
        describeValue(requested), 'ERR_TFLITE_SHAPE');
    }
    runnableInternals.resize(this, Object.keys(this.#inputs).indexOf(name), shape as number[]);
  }
}
