/// <reference types="node" preserve="true" />
/** tflite-runtime: TensorFlow Lite inference for Node.js. */
import { native, packageRoot } from './binding';
import * as fs from 'fs';
import * as path from 'path';

export { Interpreter } from './interpreter';
export type { InterpreterOptions, XnnpackOptions, TensorDetails, PlannedOp } from './interpreter';
export type { DelegateInfo } from './placement';
export type { LogLevel } from './log-level';
export type { CustomOpLibrary } from './custom-ops';
export type { ModelSource } from './model-source';
export { SignatureRunner } from './signature-runner';
export type { InvokeOptions, RunInputs, RunOutputs } from './runnable';
export { Tensor } from './tensor';
export type { AnyTensor } from './tensor';
export type { Quantization, TensorInput, NestedArray, NestedValue, DTypeInputs, InputOf, Nested, NestedOf } from './tensor';
export type { QuantizationParameters } from './quantization';
export type { DType, TypedArray, DTypeArrays, ArrayOf, ValueOf } from './dtype';
export { Delegate, loadDelegate, loadEdgeTpuDelegate, listEdgeTpus, edgeTpuVersion } from './delegate';
export type { EdgeTpuDevice, EdgeTpuOptions } from './delegate';
export { TfLiteError } from './errors';
export type { TfLiteErrorCode } from './errors';
export { createPool, InterpreterPool, ReloadError, MAX_POOL_SIZE } from './pool';
export type { PoolOptions, ReloadOptions, WarmupCheck, PoolWatchOptions, PoolModel, TensorSignature, ReloadEvent, RetiredEvent, ReloadStage } from './pool';
export type { ModelWatcher, WatchOptions } from './model-watch';
export { readModelMetadata, parseLabels, type ModelMetadata, type TfLiteMetadata, type TensorMetadata, type AssociatedFile, type AssociatedFileType, type NormalizationOptions } from './metadata';

const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };

/** The TFLite library's version and this addon's. */
export const version: { readonly tflite: string; readonly addon: string } = Object.freeze({
  tflite: native.tfliteVersion,
  addon: pkg.version,
});

/** False when tensor views are copies (runtimes that forbid external ArrayBuffers, e.g. Electron's sandbox). */
export const zeroCopy: boolean = native.externalBuffers;
