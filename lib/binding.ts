/**
 * The only importer of the compiled addon: loads it with node-gyp-build (build/Release when built from source,
 * else prebuilds/<platform>-<arch>/) and declares its exact native surface. Nothing outside lib/ sees these types.
 */
import * as path from 'path';
import { TfLiteError } from './errors';
import type { TypedArray } from './dtype';
import type { GraphReport } from './model-check/report';

export interface NativeTensorInfo {
  name: string;
  type: number;
  shape: number[];
  shapeSignature: number[];
  byteLength: number;
  scale: number;
  zeroPoint: number;
  scales: number[];
  zeroPoints: number[];
  quantizedDimension: number;
  /** False for tensors whose memory TFLite may move on any invoke (dynamic tensors): those get copies. */
  viewable: boolean;
  /** False for the model's constants (read-only memory): write() refuses them, and copies are not written back. */
  writable: boolean;
}

/** What Interpreter and SignatureRunner share natively: tensors addressed by slot, allocation and invoke. */
export interface NativeRunnable {
  describe(slot: number): NativeTensorInfo;
  view(slot: number): TypedArray;
  read(slot: number): TypedArray | string[];
  write(slot: number, data: TypedArray | string[]): void;
  allocateTensors(): void;
  resizeInput(input: number, dims: Int32Array): void;
  invoke(): void;
  invokeAsync(): Promise<void>;
  cancel(): void;
}

export interface NativeModel {
  /** The graph checks TFLite leaves out (native/model_check_rules.cc), on the bytes TFLite verified and runs. */
  checkGraph(): GraphReport;
  dispose(): void;
}

export interface NativeInterpreterOptions {
  threads: number;
  xnnpack: { threads: number; flags: number } | null;
  delegates: NativeDelegate[];
  delegateFallback: boolean;
  /** tflite::LogSeverity for TFLite's own log, set process-wide before the interpreter is created. */
  logSeverity: number;
  customOps: { library: string; registerer: string }[];
}

export interface NativePlannedNode {
  op: number;
  custom: string;
  delegate: string | null;
  nodes: number;
}

export interface NativeDelegateReport {
  label: string;
  applied: boolean;
  error: string;
  /** Refused for dynamic-sized tensors: the first such tensor and the model node computing it. */
  dynamicTensor?: { tensor: number; node: number; op: number; custom: string } | undefined;
}

export interface NativeInterpreter extends NativeRunnable {
  inputIndices(): number[];
  outputIndices(): number[];
  tensorCount(): number;
  modelTensorCount(): number;
  signatureKeys(): string[];
  plan(): NativePlannedNode[];
  modelPlan(): NativePlannedNode[];
  delegates(): NativeDelegateReport[];
  dispose(): void;
}

export interface NativeSignatureRunner extends NativeRunnable {
  inputNames(): string[];
  outputNames(): string[];
  tensorIndices(): number[];
}

export interface NativeDelegate {
  dispose(): void;
}

export interface NativeBinding {
  /** adopt: hand the Buffer over (lib/ read it itself); otherwise the addon copies the bytes. */
  Model: new (source: Buffer | string, adopt?: boolean) => NativeModel;
  Interpreter: new (model: NativeModel, options: NativeInterpreterOptions) => NativeInterpreter;
  SignatureRunner: new (interpreter: NativeInterpreter, key: string) => NativeSignatureRunner;
  Delegate: new (libraryPath: string, keys: string[], values: string[]) => NativeDelegate;
  listEdgeTpus(libraryPath: string): { version: string | null; devices: { type: 'usb' | 'pci'; path: string }[] } | null;
  tfliteVersion: string;
  externalBuffers: boolean;
  setErrorClass(errorClass: typeof TfLiteError): void;
}

/** The package root: two levels above dist/cjs or dist/esm. */
export const packageRoot = path.resolve(__dirname, '..', '..');

// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = require('node-gyp-build') as (dir: string) => unknown;

export const native = load(packageRoot) as NativeBinding;
native.setErrorClass(TfLiteError);
