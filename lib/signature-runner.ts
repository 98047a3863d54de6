import type { NativeSignatureRunner } from './binding';
import { argumentError, describeValue, readingCallerValues } from './arguments';
import { TfLiteError } from './errors';
import type { UsageGuard } from './guard';
import { Runnable, readShape, runnableInternals } from './runnable';
import { inspect } from 'util';
import type { DType } from './dtype';
import { AnyTensor, Tensor } from './tensor';

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
  get inputs(): Record<string, AnyTensor> {
    this.#guard.check();
    return { ...this.#inputs } as Record<string, AnyTensor>;
  }

  /** Outputs keyed by the signature's names, in TFLite's order. */
  get outputs(): Record<string, AnyTensor> {
    this.#guard.check();
    return { ...this.#outputs } as Record<string, AnyTensor>;
  }

  /** An input by the signature's name; with `dtype`, typed and checked as Interpreter.input() is. */
  input<D extends DType>(name: string, dtype: D): Tensor<D>;
  input(name: string): AnyTensor;
  input(name: string, dtype?: DType): AnyTensor | Tensor {
    const tensor = this.#lookup(this.#inputs, name, 'input');
    return dtype === undefined ? tensor as AnyTensor : tensor.as(dtype);
  }

  /** An output by the signature's name; with `dtype`, typed and checked. */
  output<D extends DType>(name: string, dtype: D): Tensor<D>;
  output(name: string): AnyTensor;
  output(name: string, dtype?: DType): AnyTensor | Tensor {
    const tensor = this.#lookup(this.#outputs, name, 'output');
    return dtype === undefined ? tensor as AnyTensor : tensor.as(dtype);
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
    const shape = readShape(requested, signature.length);
    const fixed = shape !== undefined && shape.length === signature.length &&
      signature.every((d, i) => d === -1 || d === shape![i]);
    if (!fixed) {
      throw new TfLiteError(`input '${name}' has signature [${signature}]: only -1 dimensions may change, got ` +
        describeValue(requested), 'ERR_TFLITE_SHAPE');
    }
    runnableInternals.resize(this, Object.keys(this.#inputs).indexOf(name), shape as number[]);
  }

  /** console.log(runner): the signature's key, inputs and outputs. */
  [inspect.custom](_depth: number, options: object): string {
    if (this.#guard.disposed) return `SignatureRunner '${this.key}' <disposed>`;
    if (this.#guard.busy) return `SignatureRunner '${this.key}' <busy: an async invoke is running>`;
    const brief = (t: Tensor) => `${t.dtype}[${t.shape}]`;
    const table = (tensors: Record<string, Tensor>) =>
      Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, brief(t)]));
    return `SignatureRunner ${inspect({ key: this.key, inputs: table(this.#inputs), outputs: table(this.#outputs) },
      options)}`;
  }
}
