import * as fs from 'fs';
import { native, NativeModel } from './binding';
import { TfLiteError } from './errors';

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

/** Loads a model: a path (TFLite maps the file) or bytes. */
export function loadModel(source: ModelSource | PreloadedModel): NativeModel {
  if (source instanceof PreloadedModel) return source.model;
  if (typeof source === 'string') {
    checkModelPath(source);
    return new native.Model(source);
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    if (ArrayBuffer.isView(source) && !(source instanceof Uint8Array)) {
      throw new TfLiteError('a model in memory must be a Buffer, Uint8Array or ArrayBuffer', 'ERR_TFLITE_MODEL_INVALID');
    }
    return new native.Model(asModelBuffer(source));
  }
  throw new TfLiteError('a model must be a file path, Buffer, Uint8Array or ArrayBuffer', 'ERR_TFLITE_MODEL_INVALID');
}

/** The async twin of loadModel: a path is read without blocking the event loop. */
export async function readModel(source: ModelSource): Promise<NativeModel> {
  if (typeof source !== 'string') return loadModel(source);
  checkModelPath(source);
  return loadModel(await fs.promises.readFile(source));
}
