import { types } from 'util';
import { native, NativeModel } from './binding';
import { TfLiteError } from './errors';
import { FileLimit, MAX_READ_BYTES, checkRegularFile, readRegularFile, readRegularFileSync } from './file-read';
import { GraphReport, checkModelGraph } from './model-check';

export type ModelSource = string | Buffer | Uint8Array | ArrayBuffer;

/** A model in memory as a Buffer over the caller's bytes (no copy here: the addon copies them, see native/model.h). */
function asModelBuffer(source: Buffer | Uint8Array | ArrayBuffer): Buffer {
  let bytes: Buffer;
  try {
    bytes = source instanceof ArrayBuffer
      ? Buffer.from(source)
      : Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  } catch {
    throw new TfLiteError('the model\'s ArrayBuffer cannot be read (detached?)', 'ERR_TFLITE_MODEL_INVALID');
  }
  if (bytes.length === 0) {
    throw new TfLiteError('the model buffer is empty (or its ArrayBuffer was detached)', 'ERR_TFLITE_MODEL_INVALID');
  }
  return bytes;
}

/**
 * A copy of a caller's model bytes (Buffer, Uint8Array or ArrayBuffer) in a Buffer of lib/'s own, for bytes that
 * several models adopt (a pool's interpreters): the same checks as a model loaded from memory.
 */
export function copyModelBytes(source: unknown): Buffer {
  if (!(source instanceof ArrayBuffer) && !(source instanceof Uint8Array)) {
    throw new TfLiteError('a model must be a file path, Buffer, Uint8Array or ArrayBuffer', 'ERR_TFLITE_MODEL_INVALID');
  }
  const bytes = asModelBuffer(source);
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return own;
}

/** The limits a model file is read under: TFLite's FlatBuffers cannot pass 2 GiB. */
const MODEL_FILE: FileLimit = { what: 'model file', maxBytes: MAX_READ_BYTES, tooLarge: 'ERR_TFLITE_MODEL_INVALID' };

function checkModelPath(path: string): void {
  if (checkRegularFile(path, { ...MODEL_FILE, maxBytes: Number.MAX_SAFE_INTEGER }) === 0) {
    throw new TfLiteError(`the model file is empty: ${path}`, 'ERR_TFLITE_MODEL_INVALID');
  }
}

/** A model already loaded (Interpreter.create reads the file asynchronously first). */
export class PreloadedModel {
  constructor(readonly model: NativeModel) {}
}

/**
 * After TFLite's verifier accepted the bytes: the graph checks it leaves out (lib/model-check.ts), so a hostile
 * model is an ERR_TFLITE_MODEL_INVALID here rather than a crash in a kernel later.
 */
function checkGraph(model: NativeModel): NativeModel {
  graphReports.set(model, checkModelGraph(model));
  return model;
}

/** What lib/model-check.ts found in each loaded model (XNNPACK hazards, VALID pools). */
export const graphReports = new WeakMap<NativeModel, GraphReport>();

/**
 * A Proxy is refused before anything asks it a question (instanceof, isView): its traps may throw, or answer
 * differently each time.
 */
export function refuseProxy(source: unknown): void {
  if (typeof source === 'object' && source !== null && types.isProxy(source)) {
    throw new TfLiteError('a model must be a file path, Buffer, Uint8Array or ArrayBuffer, not a Proxy',
      'ERR_TFLITE_MODEL_INVALID');
  }
}

/**
 * A model's bytes for readers that parse them in JS without loading them (readModelMetadata): a path read as a model
 * file is, memory as loadModel takes it (not copied: nothing keeps them).
 */
export function modelBytesSync(source: ModelSource): Buffer {
  refuseProxy(source);
  if (typeof source === 'string') return readRegularFileSync(source, MODEL_FILE);
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return asModelBuffer(source);
  throw new TfLiteError('a model must be a file path, Buffer, Uint8Array or ArrayBuffer', 'ERR_TFLITE_MODEL_INVALID');
}

/** Loads a model: a path (TFLite maps the file) or bytes. */
export function loadModel(source: ModelSource | PreloadedModel): NativeModel {
  refuseProxy(source);
  if (source instanceof PreloadedModel) return source.model;
  if (typeof source === 'string') {
    checkModelPath(source);
    return checkGraph(new native.Model(source));
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    if (ArrayBuffer.isView(source) && !(source instanceof Uint8Array)) {
      throw new TfLiteError('a model in memory must be a Buffer, Uint8Array or ArrayBuffer', 'ERR_TFLITE_MODEL_INVALID');
    }
    const bytes = asModelBuffer(source);
    return checkGraph(new native.Model(bytes, false));
  }
  throw new TfLiteError('a model must be a file path, Buffer, Uint8Array or ArrayBuffer', 'ERR_TFLITE_MODEL_INVALID');
}

/**
 * A model file's bytes, read without blocking the event loop: the one path from a file to a Buffer (readModel,
 * Interpreter.create, createPool, pool.reload). Every failure is a TfLiteError naming the path: a missing file or
 * one that is not a regular file is ERR_TFLITE_NOT_FOUND, an empty one or one over 2 GiB - 1 bytes (what one read
 * returns, and more than a FlatBuffer can address) is ERR_TFLITE_MODEL_INVALID.
 */
export async function readModelFile(path: string): Promise<Buffer> {
  const bytes = await readRegularFile(path, MODEL_FILE);
  if (bytes.length === 0) throw new TfLiteError(`the model file is empty: ${path}`, 'ERR_TFLITE_MODEL_INVALID');
  return bytes;
}

/**
 * @internal A model over bytes that lib/ read (readModelFile) or copied itself and hands to nobody else: the addon
 * adopts them instead of copying. Several models may adopt the same bytes (a pool's interpreters share one copy).
 */
export function adoptModelBytes(bytes: Buffer): PreloadedModel {
  return new PreloadedModel(checkGraph(new native.Model(bytes, true)));
}

/** The async twin of loadModel: a path is read without blocking the event loop. */
export async function readModel(source: ModelSource): Promise<NativeModel> {
  if (typeof source !== 'string') return loadModel(source);
  return adoptModelBytes(await readModelFile(source)).model;
}
