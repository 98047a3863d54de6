import * as fs from 'fs';
import { native, NativeDelegate } from './binding';
import { TfLiteError } from './errors';

/**
 * A TFLite delegate from an external plugin library (TFLite's external delegate ABI, as Python's load_delegate).
 * Pass it in `delegates` to any number of interpreters; dispose() it when done: it stays alive as long as any
 * interpreter still uses it.
 */
export class Delegate {
  readonly libraryPath: string;
  readonly options: Readonly<Record<string, string>>;
  #native: NativeDelegate | null;
  #disposed = false;

  /** @internal */
  constructor(libraryPath: string, options: Record<string, string>) {
    this.libraryPath = libraryPath;
    this.options = Object.freeze({ ...options });
    const keys = Object.keys(options);
    this.#native = new native.Delegate(libraryPath, keys, keys.map((k) => options[k]));
  }

  /** @internal */
  native(): NativeDelegate {
    if (!this.#native || this.#disposed) {
      throw new TfLiteError(`the delegate ${this.libraryPath} was disposed`, 'ERR_TFLITE_DISPOSED');
    }
    return this.#native;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Frees the delegate once no interpreter uses it (native code defers it until then). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#native?.dispose();
    this.#native = null;
  }

  [Symbol.dispose ?? Symbol.for('nodejs.dispose')](): void {
    this.dispose();
  }
}

/**
 * Loads an external delegate plugin: a shared library exporting tflite_plugin_create_delegate /
 * tflite_plugin_destroy_delegate (libedgetpu, and the Hexagon, GPU and Arm NN delegates). Options are strings.
 */
export function loadDelegate(libraryPath: string, options: Record<string, string | number | boolean> = {}): Delegate {
  if (typeof libraryPath !== 'string' || libraryPath.length === 0) {
    throw new TfLiteError('loadDelegate() needs a library path', 'ERR_TFLITE_DELEGATE');
  }
  if (options === null || typeof options !== 'object') {
    throw new TfLiteError('delegate options must be an object of strings', 'ERR_TFLITE_DELEGATE');
  }
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new TfLiteError(`delegate option '${key}' must be a string`, 'ERR_TFLITE_DELEGATE');
    }
    strings[key] = String(value);
  }
  return new Delegate(libraryPath, strings);
}

// ---- Coral Edge TPU ---------------------------------------------------------------------------------------------

/** Where libedgetpu lives: $TFLITE_EDGETPU_LIBRARY, else the dynamic loader's search (ldconfig, LD_LIBRARY_PATH). */
export function edgeTpuLibraryPath(): string {
  return process.env.TFLITE_EDGETPU_LIBRARY || 'libedgetpu.so.1';
}

export interface EdgeTpuDevice {
  type: 'usb' | 'pci';
  path: string;
}

/** Edge TPUs libedgetpu can see (edgetpu_list_devices); [] when libedgetpu is not installed. */
export function listEdgeTpus(libraryPath: string = edgeTpuLibraryPath()): EdgeTpuDevice[] {
  return native.listEdgeTpus(libraryPath)?.devices ?? [];
}

/** The loaded libedgetpu's version string (edgetpu_version()), or null when it is not installed. */
export function edgeTpuVersion(libraryPath: string = edgeTpuLibraryPath()): string | null {
  return native.listEdgeTpus(libraryPath)?.version ?? null;
}

export interface EdgeTpuOptions {
  /** 'usb', 'pci', 'usb:0', 'pci:1', ':0' (the Nth of any type) or a device path; default: the first found. */
  device?: string;
  libraryPath?: string;
  /** Other libedgetpu options, passed through (e.g. { performance: 'max' }). */
  options?: Record<string, string>;
}

const DEVICE_PATTERN = /^(usb|pci)?(:\d+)?$|^\//;

/** Python's load_delegate('libedgetpu.so.1', { device }), with the device checked and a clear error when absent. */
export function loadEdgeTpuDelegate(settings: EdgeTpuOptions = {}): Delegate {
  const libraryPath = settings.libraryPath ?? edgeTpuLibraryPath();
  const device = settings.device;
  if (device !== undefined && (typeof device !== 'string' || device === '' || !DEVICE_PATTERN.test(device))) {
    throw new TfLiteError(`device '${device}': use 'usb', 'pci', 'usb:N', 'pci:N', ':N' or a device path`,
      'ERR_TFLITE_DELEGATE');
  }
  if (libraryPath.includes('/') && !fs.existsSync(libraryPath)) {
    throw new TfLiteError(`Edge TPU library not found: ${libraryPath}`, 'ERR_TFLITE_DELEGATE');
  }
  try {
    return loadDelegate(libraryPath, { ...settings.options, ...(device ? { device } : {}) });
  } catch (error) {
    if (error instanceof TfLiteError && /cannot load delegate library/.test(error.message)) {
      throw new TfLiteError(`${error.message}. Install libedgetpu1-std (or -max) from Coral's apt repository, or ` +
        'set TFLITE_EDGETPU_LIBRARY to its path', 'ERR_TFLITE_DELEGATE');
    }
    throw error;
  }
}

const EDGETPU_VERSION_MISMATCH = /Unsupported data type in custom op handler|EdgeTpuDelegateForCustomOp failed to prepare|edgetpu-custom-op.*(failed|not supported)/i;

/**
 * Errors users hit with Edge TPU models, made actionable: a compiled model loaded without the delegate, and
 * libedgetpu built for another TensorFlow version (it reads TFLite's C structs directly).
 */
export function explainDelegateError(error: unknown): unknown {
  if (!(error instanceof TfLiteError)) return error;
  if (error.code === 'ERR_TFLITE_ALLOCATE' && /edgetpu-custom-op/.test(error.message) &&
      !EDGETPU_VERSION_MISMATCH.test(error.message)) {
    return new TfLiteError(`${error.message}\nThis model was compiled for the Coral Edge TPU: load it with ` +
      "{ delegates: [loadEdgeTpuDelegate()] } (needs libedgetpu and a device), or use the CPU version of the model.",
      'ERR_TFLITE_ALLOCATE');
  }
  if (EDGETPU_VERSION_MISMATCH.test(error.message)) {
    return new TfLiteError(`${error.message}\nlibedgetpu reads TFLite's C structs directly, so it must be built for ` +
      `a TensorFlow version compatible with this package's TFLite ${native.tfliteVersion} (see README "Edge TPU"). ` +
      `Loaded libedgetpu: ${edgeTpuVersion() ?? 'unknown'}`, 'ERR_TFLITE_DELEGATE');
  }
  return error;
}
