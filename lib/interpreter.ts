import { native, NativeInterpreter, NativeModel, NativePlannedNode } from './binding';
import { customOpLibraries, CustomOpLibrary, MAX_LIBRARIES } from './custom-ops';
import { argumentError, describeValue, isIndex, optionsObject } from './arguments';
import { Delegate, explainDelegateError, nativeDelegate } from './delegate';
import { explainOpVersion } from './op-versions';
import { DelegateInfo, describePlacement, opName } from './placement';
import { LogLevel, logSeverity } from './log-level';
import type { DType, TypedArray } from './dtype';
import { TfLiteError } from './errors';
import { UsageGuard } from './guard';
import type { GraphReport } from './model-check';
import { ModelSource, PreloadedModel, graphReports, loadModel, readModel } from './model-source';
import type { QuantizationParameters } from './quantization';
import { inspect } from 'util';
import { Runnable, runnableInternals } from './runnable';
import { SignatureRunner } from './signature-runner';
import { AnyTensor, Tensor, TensorInput } from './tensor';

export interface XnnpackOptions {
  /** Threads for XNNPACK's pool (default: the interpreter's `threads`). */
  threads?: number | undefined;
  /** Run int8 / uint8 quantized ops on XNNPACK too (QS8 and QU8 flags). Default true. */
  quantized?: boolean | undefined;
}

export interface InterpreterOptions {
  /** CPU threads for TFLite's kernels (TfLiteInterpreterOptionsSetNumThreads). Default 1. */
  threads?: number | undefined;
  /** The XNNPACK delegate: on by default (float and quantized models). Models it refuses run without it. */
  xnnpack?: boolean | XnnpackOptions | undefined;
  /** External delegates (loadDelegate / loadEdgeTpuDelegate), applied in order before XNNPACK. */
  delegates?: Delegate[] | undefined;
  /** 'cpu': a delegate that fails to apply leaves its nodes on the CPU, with a process warning. Default 'error'. */
  delegateFallback?: 'cpu' | 'error' | undefined;
  /**
   * TFLite's own stderr log (not errors, which always reach TfLiteError). Process-wide in TFLite: the level of the
   * interpreter created last holds. Default $TFLITE_RUNTIME_LOG_LEVEL, else 'warning' (no INFO line).
   */
  logLevel?: LogLevel | undefined;
  /** Custom op kernels from shared libraries: paths, or { library, registerer } (README, "Custom ops"). */
  customOps?: (string | CustomOpLibrary)[] | undefined;
}

/** One entry of getInputDetails() / getOutputDetails(), as Python's tf.lite.Interpreter gives it. */
export interface TensorDetails {
  name: string;
  index: number;
  shape: number[];
  shapeSignature: number[];
  /** Elements in the current shape (the product of `shape`); not enumerable, so details still equal Python's. */
  readonly elementCount: number;
  dtype: DType;
  quantization: { scale: number; zeroPoint: number };
  quantizationParameters: QuantizationParameters;
}

export interface PlannedOp {
  /** The op name (CONV_2D, ...), or the delegate kernel's name. */
  op: string;
  /** The delegate running it, or null for TFLite's built-in kernels. */
  delegate: string | null;
  /** For delegate kernels: how many model nodes it replaced. */
  nodes: number;
}

const XNNPACK_FLAG_QS8 = 0x1;
const XNNPACK_FLAG_QU8 = 0x2;

function checkThreads(value: unknown, what: string): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || (value as number) < -1 || (value as number) === 0 || (value as number) > 1024) {
    throw argumentError(`${what} must be an integer from 1 to 1024 (or -1 for TFLite's default), got ` +
      describeValue(value));
  }
  return value as number;
}

/** Every option checked and read once, into what native/interpreter.cc takes. */
function nativeOptions(given: InterpreterOptions | undefined) {
  const options = optionsObject(given, 'interpreter options');
  try {
    return readOptions(options);
  } catch (error) {
    // A getter or Proxy that throws is the caller's argument error, not ours to pass on untyped.
    if (error instanceof TfLiteError) throw error;
    throw argumentError(`the interpreter options cannot be read: ${describeValue(error)}`);
  }
}

function readOptions(options: InterpreterOptions) {
  const threads = checkThreads(options.threads, 'threads');
  const xnn = options.xnnpack ?? true;
  if (typeof xnn !== 'boolean' && (typeof xnn !== 'object' || Array.isArray(xnn))) {
    throw argumentError(`xnnpack must be true, false or { threads?, quantized? }, got ${describeValue(xnn)}`);
  }
  let xnnpack: { threads: number; flags: number } | null = null;
  if (xnn !== false) {
    const settings: XnnpackOptions = xnn === true ? {} : xnn;
    const quantized = settings.quantized ?? true;
    if (typeof quantized !== 'boolean') {
      throw argumentError(`xnnpack.quantized must be a boolean, got ${describeValue(quantized)}`);
    }
    xnnpack = {
      threads: Math.max(1, checkThreads(settings.threads ?? threads, 'xnnpack.threads')),
      flags: quantized ? XNNPACK_FLAG_QS8 | XNNPACK_FLAG_QU8 : 0,
    };
  }
  const delegates = options.delegates ?? [];
  if (!Array.isArray(delegates) || delegates.length > MAX_LIBRARIES) {
    throw new TfLiteError(`delegates must be an array of at most ${MAX_LIBRARIES} loadDelegate() results`,
      'ERR_TFLITE_DELEGATE');
  }
  const natives = Array.from(delegates as unknown[], (d, i) => nativeDelegate(d, `delegates[${i}]`));
  if (options.delegateFallback !== undefined && options.delegateFallback !== 'cpu' &&
      options.delegateFallback !== 'error') {
    throw new TfLiteError("delegateFallback must be 'cpu' or 'error'", 'ERR_TFLITE_DELEGATE');
  }
  return {
    threads,
    xnnpack,
    delegates: natives,
    delegateFallback: options.delegateFallback === 'cpu',
    logSeverity: logSeverity(options.logLevel),
    customOps: customOpLibraries(options.customOps),
  };
}

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for('nodejs.dispose');

/**
 * A TFLite interpreter: load a model, allocateTensors(), fill inputs, invoke(), read outputs. The same flow and
 * names as Python's tf.lite.Interpreter, with zero-copy tensor views and an async invoke on the libuv pool.
 */
export class Interpreter extends Runnable {
  readonly #guard: UsageGuard;
  readonly #native: NativeInterpreter;
  readonly #model: NativeModel;
  readonly #tensors = new Map<number, Tensor>();
  readonly #runners = new Map<string, SignatureRunner>();
  #inputs?: Tensor[];
  #outputs?: Tensor[];
  #disposePending = false;
  /** Why XNNPACK was not even tried on this model (lib/model-check.ts), when it was asked for. */
  #xnnpackSkipped?: string;

  constructor(model: ModelSource, options?: InterpreterOptions) {
    const settings = nativeOptions(options);
    const nativeModel = loadModel(model);
    const report = graphReports.get(nativeModel);
    let hazard = settings.xnnpack ? report?.xnnpackHazard ?? undefined : undefined;
    if (hazard) settings.xnnpack = null;
    let interpreter = Interpreter.#build(nativeModel, settings);
    const small = settings.xnnpack && report ? Interpreter.#windowLargerThanInput(interpreter, report.validPools) : null;
    if (small) {
      interpreter.dispose();
      settings.xnnpack = null;
      hazard = small;
      interpreter = Interpreter.#build(nativeModel, settings);
    }
    const guard = new UsageGuard();
    super(interpreter, guard);
    this.#guard = guard;
    this.#native = interpreter;
    runnableInternals.attach(this, {
      namedInputs: () => this.inputs.map((t) => [t.name, t]),
      namedOutputs: () => this.outputs.map((t) => [t.name, t]),
      explain: (error) => explainDelegateError(error),
      checkAllocation: () => this.#checkAllocation(),
      afterRun: () => { if (this.#disposePending) this.dispose(); },
    });
    this.#model = nativeModel;
    this.#xnnpackSkipped = hazard;
    for (const report of interpreter.delegates()) {
      if (!report.applied && report.label !== 'xnnpack') {
        process.emitWarning(`${report.label} was not applied, its nodes run on the CPU: ${report.error}`,
          { code: 'TFLITE_DELEGATE_FALLBACK' });
      }
    }
  }

  /**
   * A VALID pool whose input (as TFLite computed it while XNNPACK took the graph) is smaller than its window: XNNPACK
   * would write past its buffers there (docs/SECURITY.md), so the model runs without it. Null when none is.
   */
  static #windowLargerThanInput(interpreter: NativeInterpreter, pools: GraphReport['validPools']): string | null {
    if (pools.length === 0 || !interpreter.delegates().some((d) => d.label === 'xnnpack' && d.applied)) return null;
    for (const pool of pools) {
      const shape = interpreter.describe(pool.input).shape;
      if (shape.length === 4 && (shape[1] < pool.window[0] || shape[2] < pool.window[1])) {
        return `operator ${pool.op} pools a ${pool.window.join('x')} window over a ${shape[1]}x${shape[2]} input ` +
          '(VALID padding), where XNNPACK writes past its buffers; the model runs without XNNPACK';
      }
    }
    return null;
  }

  static #build(model: NativeModel, settings: ReturnType<typeof nativeOptions>): NativeInterpreter {
    try {
      return new native.Interpreter(model, settings);
    } catch (error) {
      model.dispose();
      throw explainOpVersion(explainDelegateError(error));
    }
  }

  /** Like the constructor, but reads a model file without blocking the event loop. */
  static async create(model: ModelSource, options?: InterpreterOptions): Promise<Interpreter> {
    nativeOptions(options); // fail fast on bad options, before any I/O
    const nativeModel = await readModel(model);
    return new Interpreter(new PreloadedModel(nativeModel) as unknown as ModelSource, options);
  }

  /**
   * After a resize, TFLite re-prepares the model's own ops (computing every shape) before it re-applies
   * XNNPACK: a VALID pool whose window no longer fits its input is refused here, before XNNPACK writes past its
   * buffers at invoke (docs/SECURITY.md). Without XNNPACK, TFLite's kernels handle it (an empty output).
   */
  #checkAllocation(): void {
    const report = graphReports.get(this.#model);
    const small = report ? Interpreter.#windowLargerThanInput(this.#native, report.validPools) : null;
    if (small) {
      throw new TfLiteError(`${small.replace(/; the model runs without XNNPACK$/, '')}: resize to at least the ` +
        "window, or create the interpreter with { xnnpack: false }", 'ERR_TFLITE_ALLOCATE');
    }
  }

  #tensor(index: number): Tensor {
    let tensor = this.#tensors.get(index);
    if (!tensor) {
      tensor = new Tensor(this.#native, index, index, this.#guard, runnableInternals.tracker(this));
      this.#tensors.set(index, tensor);
    }
    return tensor;
  }

  get inputs(): AnyTensor[] {
    this.#guard.check();
    this.#inputs ??= this.#native.inputIndices().map((i) => this.#tensor(i));
    return [...this.#inputs] as AnyTensor[];
  }

  get outputs(): AnyTensor[] {
    this.#guard.check();
    this.#outputs ??= this.#native.outputIndices().map((i) => this.#tensor(i));
    return [...this.#outputs] as AnyTensor[];
  }

  #find(list: Tensor[], which: number | string, kind: string): { tensor: Tensor; position: number } {
    if (typeof which === 'number') {
      if (!isIndex(which, list.length)) {
        throw new TfLiteError(`${kind} index ${which} out of range (the model has ${list.length})`, 'ERR_TFLITE_INDEX');
      }
      return { tensor: list[which], position: which };
    }
    if (typeof which !== 'string') {
      throw argumentError(`an ${kind} is named by its position or tensor name, got ${describeValue(which)}`);
    }
    const position = list.findIndex((t) => t.name === which);
    if (position < 0) {
      throw new TfLiteError(`no ${kind} named '${which}'; ${kind}s are: ${list.map((t) => t.name).join(', ')}`,
        'ERR_TFLITE_NOT_FOUND');
    }
    return { tensor: list[position], position };
  }

  /**
   * An input by position or tensor name. With `dtype`, typed as that dtype's tensor (`input(0, 'float32').data` is a
   * Float32Array) after a run-time check (ERR_TFLITE_DTYPE when it is another).
   */
  input<D extends DType>(which: number | string, dtype: D): Tensor<D>;
  input(which: number | string): AnyTensor;
  input(which: number | string, dtype?: DType): AnyTensor | Tensor {
    const { tensor } = this.#find(this.inputs, which, 'input');
    return dtype === undefined ? tensor as AnyTensor : tensor.as(dtype);
  }

  /** An output by position or tensor name; with `dtype`, typed and checked as input() is. */
  output<D extends DType>(which: number | string, dtype: D): Tensor<D>;
  output(which: number | string): AnyTensor;
  output(which: number | string, dtype?: DType): AnyTensor | Tensor {
    const { tensor } = this.#find(this.outputs, which, 'output');
    return dtype === undefined ? tensor as AnyTensor : tensor.as(dtype);
  }

  /** Changes an input's shape (any dimension); call allocateTensors() before the next invoke. */
  resizeInput(which: number | string, shape: readonly number[]): void {
    const { position } = this.#find(this.inputs, which, 'input');
    runnableInternals.resize(this, position, shape);
  }

  /**
   * Python's resize_tensor_input(index, shape): the input named by its *tensor index* (details' `index`), so a
   * literal port of `resize_tensor_input(details[0]['index'], …)` resizes the right input. An index that is not one
   * of the model's inputs is ERR_TFLITE_INDEX.
   */
  resizeTensorInput(tensorIndex: number, shape: readonly number[]): void {
    if (typeof tensorIndex !== 'number') {
      throw argumentError(`a tensor index is a number, got ${describeValue(tensorIndex)}`);
    }
    const position = this.inputs.findIndex((t) => t.index === tensorIndex);
    if (position < 0) {
      throw new TfLiteError(`tensor ${tensorIndex} is not an input; the inputs are tensors ` +
        `${this.inputs.map((t) => t.index).join(', ')}`, 'ERR_TFLITE_INDEX');
    }
    runnableInternals.resize(this, position, shape);
  }

  // ---- Python porting layer -------------------------------------------------------------------------------------

  #checkedTensor(index: number): Tensor {
    this.#guard.check();
    const count = this.#native.tensorCount();
    if (typeof index !== 'number') {
      throw argumentError(`a tensor index is a number, got ${describeValue(index)}`);
    }
    if (!isIndex(index, count)) {
      throw new TfLiteError(`tensor index ${index} out of range (the model has ${count} tensors)`, 'ERR_TFLITE_INDEX');
    }
    return this.#tensor(index);
  }

  /** Python's get_input_details(). */
  getInputDetails(): TensorDetails[] {
    return this.inputs.map(details);
  }

  /** Python's get_output_details(). */
  getOutputDetails(): TensorDetails[] {
    return this.outputs.map(details);
  }

  /** Python's set_tensor(index, value): copies in, by tensor index. */
  setTensor(index: number, data: TensorInput): void {
    this.#checkedTensor(index).set(data);
  }

  /** Python's get_tensor(index): a copy, by tensor index. */
  getTensor(index: number): TypedArray | string[] {
    return this.#checkedTensor(index).get();
  }

  /** The Tensor object for any tensor index (weights, intermediates): name, dtype, quantization parameters, data. */
  tensorAt(index: number): AnyTensor {
    return this.#checkedTensor(index) as AnyTensor;
  }

  /** Python's tensor(index)(): the zero-copy view, by tensor index (detached like Tensor.data). */
  tensor(index: number): TypedArray {
    return this.#checkedTensor(index).data;
  }

  /** Tensors in the model's primary subgraph (as Python counts them; kernels may add temporaries after these). */
  get tensorCount(): number {
    this.#guard.check();
    return this.#native.modelTensorCount();
  }

  /** Signature keys, in the model's order. */
  get signatures(): string[] {
    this.#guard.check();
    return this.#native.signatureKeys();
  }

  /** Python's get_signature_list(): { key: { inputs: [...], outputs: [...] } }. */
  getSignatureList(): Record<string, { inputs: string[]; outputs: string[] }> {
    const out: Record<string, { inputs: string[]; outputs: string[] }> = {};
    for (const key of this.signatures) {
      const runner = this.getSignatureRunner(key);
      out[key] = { inputs: Object.keys(runner.inputs), outputs: Object.keys(runner.outputs) };
    }
    return out;
  }

  /** A runner for one signature: named inputs and outputs, its own allocation and invoke. */
  getSignatureRunner(key: string): SignatureRunner {
    this.#guard.check();
    if (typeof key !== 'string') throw argumentError(`a signature key is a string, got ${describeValue(key)}`);
    let runner = this.#runners.get(key);
    if (!runner) {
      if (!this.signatures.includes(key)) {
        throw new TfLiteError(`no signature '${key}'; signatures are: ${this.signatures.join(', ') || '(none)'}`,
          'ERR_TFLITE_NOT_FOUND');
      }
      runner = new SignatureRunner(new native.SignatureRunner(this.#native, key), key, this.#guard);
      this.#runners.set(key, runner);
    }
    return runner;
  }

  // ---- Delegates and placement ----------------------------------------------------------------------------------

  /** The ops as TFLite runs them, after delegation. */
  get executionPlan(): PlannedOp[] {
    this.#guard.check();
    return this.#native.plan().map(plannedOp);
  }

  /** The model's own ops in execution order, before any delegate took them. */
  get modelOps(): string[] {
    this.#guard.check();
    return this.#native.modelPlan().map((node) => plannedOp(node).op);
  }

  /** Every delegate asked for: whether it applied and how many nodes it took. */
  get delegates(): DelegateInfo[] {
    this.#guard.check();
    const reports = describePlacement(this.#native.plan(), this.#native.delegates(), (index) => {
      try {
        return this.#native.describe(index).name;
      } catch {
        return '';
      }
    });
    if (this.#xnnpackSkipped) reports.push({ name: 'xnnpack', applied: false, nodes: 0, error: this.#xnnpackSkipped });
    return reports;
  }

  // ---- Lifetime -------------------------------------------------------------------------------------------------

  /** Frees the interpreter now (idempotent). During an async run, it is freed when the run ends. */
  dispose(): void {
    if (this.#guard.disposed && !this.#disposePending) return;
    if (this.#guard.busy) {
      this.#guard.disposed = true;
      this.#disposePending = true;
      return;
    }
    this.#guard.disposed = true;
    this.#disposePending = false;
    this.#guard.generation++;
    this.#native.dispose();
    this.#model.dispose();
  }

  [disposeSymbol](): void {
    this.dispose();
  }

  /** console.log(interpreter): its inputs, outputs, signatures and delegates, not its private fields. */
  [inspect.custom](_depth: number, options: object): string {
    if (this.#guard.disposed) return 'Interpreter <disposed>';
    if (this.#guard.busy) return 'Interpreter <busy: an async invoke is running>';
    const brief = (t: Tensor) => `${t.name} ${t.dtype}[${t.shape}]`;
    return `Interpreter ${inspect({
      inputs: this.inputs.map(brief), outputs: this.outputs.map(brief), signatures: this.signatures,
      delegates: this.delegates.map((d) => `${d.name}: ${d.applied ? `${d.nodes} nodes` : 'not applied'}`),
    }, options)}`;
  }

}

function plannedOp(node: NativePlannedNode): PlannedOp {
  return { op: opName(node.op, node.custom), delegate: node.delegate, nodes: node.nodes };
}

function details(tensor: Tensor): TensorDetails {
  const q = tensor.quantizationParameters;
  const perTensor = tensor.quantization;
  const entry = {
    name: tensor.name,
    index: tensor.index,
    shape: tensor.shape,
    shapeSignature: tensor.shapeSignature,
    dtype: tensor.dtype,
    quantization: perTensor ? { ...perTensor } : { scale: 0, zeroPoint: 0 },
    quantizationParameters: q,
  };
  // Not enumerable: details compare (and print, and serialise) equal to Python's, which has no such key.
  return Object.defineProperty(entry, 'elementCount', { value: tensor.elementCount, enumerable: false }) as TensorDetails;
}
