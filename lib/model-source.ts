import * as fs from 'fs';
import { native, NativeModel } from './binding';
import { TfLiteError } from './errors';
import { GraphReport, ModelBytes, bufferBytes, checkModelGraph, fileBytes } from './model-check';

export type ModelSource = string | Buffer | Uint8Array | ArrayBuffer;

/**
 * A Buffer model is not copied: the addon holds the Buffer as long as TFLite needs it. The one exception is a
 * Buffer whose start is not 8-byte aligned (a slice at an odd offset): TFLite reads 64-bit weights in place, so
 * such bytes are copied once into an aligned buffer.
 */
function asModelBuffer(source: Buffer | Uint8Array | ArrayBuffer): Buffer {
  const bytes = source instanceof ArrayBuffer
    ? Buffer.from(source)
    : Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  if (bytes.length === 0) throw new TfLiteError('the model buffer is empty', 'ERR_TFLITE_MODEL_INVALID');
  if (bytes.byteOffset % 8 === 0) return bytes;
  const aligned = Buffer.alloc(bytes.length);
  bytes.copy(aligned);
  return aligned;
}

function checkModelPath(path: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    throw new TfLiteError(`model file not found: ${path}`, 'ERR_TFLITE_NOT_FOUND');
  }
  if (!stat.isFile()) throw new TfLiteError(`not a model file: ${path}`, 'ERR_TFLITE_NOT_FOUND');
  if (stat.size === 0) throw new TfLiteError(`the model file is empty: ${path}`, 'ERR_TFLITE_MODEL_INVALID');
}

/** @internal A model already loaded (Interpreter.create reads the file asynchronously first). */
export class PreloadedModel {
  constructor(readonly model: NativeModel) {}
}

/**
 * After TFLite's verifier accepted the bytes: the graph checks it leaves out (lib/model-check.ts), so a hostile
 * model is an ERR_TFLITE_MODEL_INVALID here rather than a crash in a kernel later.
 */
function checkGraph(model: NativeModel, bytes: () => ModelBytes, done = () => {}): NativeModel {
  let report: GraphReport;
  try {
    report = checkModelGraph(bytes());
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    done();
  }
  if (report.problem !== null) {
    model.dispose();
    throw new TfLiteError(`the model's graph is invalid: ${report.problem}`, 'ERR_TFLITE_MODEL_INVALID');
  }
  graphReports.set(model, report);
  return model;
}

/** What lib/model-check.ts found in each loaded model (XNNPACK hazards, VALID pools). */
export const graphReports = new WeakMap<NativeModel, GraphReport>();

/** Loads a model: a path (TFLite maps the file) or bytes. */
export function loadModel(source: ModelSource | PreloadedModel): NativeModel {
  if (source instanceof PreloadedModel) return source.model;
  if (typeof source === 'string') {
    checkModelPath(source);
    const model = new native.Model(source);
    let fd = -1;
    return checkGraph(model, () => fileBytes(fd = fs.openSync(source, 'r')), () => fd >= 0 && fs.closeSync(fd));
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    if (ArrayBuffer.isView(source) && !(source instanceof Uint8Array)) {
      throw new TfLiteError('a model in memory must be a Buffer, Uint8Array or ArrayBuffer', 'ERR_TFLITE_MODEL_INVALID');
    }
    const bytes = asModelBuffer(source);
    return checkGraph(new native.Model(bytes), () => bufferBytes(bytes));
  }
  throw new TfLiteError('a model must be a file path, Buffer, Uint8Array or ArrayBuffer', 'ERR_TFLITE_MODEL_INVALID');
}

/** The async twin of loadModel: a path is read without blocking the event loop. */
export async function readModel(source: ModelSource): Promise<NativeModel> {
  if (typeof source !== 'string') return loadModel(source);
  checkModelPath(source);
  return loadModel(await fs.promises.readFile(source));
}
