import * as fs from 'fs';
import { native, NativeDelegate } from './binding';
import { describeValue, optionsObject, stringArgument } from './arguments';
import { TfLiteError } from './errors';
import { checkLibraryFile } from './file-read';

let nativeOf: (delegate: unknown, what: string) => NativeDelegate;

/**
 * The addon's delegate behind a Delegate, checked by its private field: an object made with
 * Object.create(Delegate.prototype), or any look-alike, is refused here (and the addon checks its type tag again).
 * Not exported from lib/index.ts.
 */
export function nativeDelegate(delegate: unknown, what: string): NativeDelegate {
  return nativeOf(delegate, what);
}

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

  static {
    nativeOf = (delegate, what) => {
      if (typeof delegate !== 'object' || delegate === null || !(#native in delegate)) {
        throw new TfLiteError(`${what} is not a loadDelegate() result, got ${describeValue(delegate)}`,
          'ERR_TFLITE_DELEGATE');
      }
      if (!delegate.#native || delegate.#disposed) {
        throw new TfLiteError(`${what} (${delegate.libraryPath}) was disposed`, 'ERR_TFLITE_DISPOSED');
      }
      return delegate.#native;
    };
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
  if (libraryPath.includes('/')) checkLibraryFile(libraryPath, 'delegate', 'ERR_TFLITE_DELEGATE');
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
  return probeEdgeTpu(libraryPath)?.devices ?? [];
}

/** What libedgetpu reports, or null when it cannot be loaded (a path that is not a regular file is not tried). */
function probeEdgeTpu(libraryPath: unknown): ReturnType<typeof native.listEdgeTpus> {
  const library = stringArgument(libraryPath, 'the Edge TPU library path');
  if (library.includes('/')) {
    try {
      checkLibraryFile(library, 'Edge TPU', 'ERR_TFLITE_DELEGATE');
    } catch {
      return null; // dlopen on a FIFO would block forever
    }
  }
  return native.listEdgeTpus(library);
}

/** The loaded libedgetpu's version string (edgetpu_version()), or null when it is not installed. */
export function edgeTpuVersion(libraryPath: string = edgeTpuLibraryPath()): string | null {
  return probeEdgeTpu(libraryPath)?.version ?? null;
}

export interface EdgeTpuOptions {
  /**
   * 'usb', 'pci', 'usb:N', 'pci:N' (the Nth of that type), ':N' (the Nth of any type, in listEdgeTpus() order), or
   * a device path as listEdgeTpus() reports it (mapped to ':N'); default: the first device found.
   */
  device?: string | undefined;
  libraryPath?: string | undefined;
  /**
   * Other libedgetpu options, passed through, e.g. { Performance: 'Max' }. libedgetpu applies them only when the
   * device is given by index (':N', 'usb:N', 'pci:N') or path.
   */
  options?: Record<string, string> | undefined;
}

const DEVICE_PATTERN = /^(usb|pci)?(:\d+)?$|^\//;

function describeDevices(devices: EdgeTpuDevice[]): string {
  return devices.length === 0 ? 'none' : devices.map((d, i) => `:${i} ${d.type} ${d.path}`).join(', ');
}

/** Python's load_delegate('libedgetpu.so.1', { device }), with the device checked and a clear error when absent. */
export function loadEdgeTpuDelegate(given?: EdgeTpuOptions): Delegate {
  const settings = optionsObject(given, 'Edge TPU options');
  const libraryPath = stringArgument(settings.libraryPath ?? edgeTpuLibraryPath(), 'libraryPath');
  let device = settings.device;
  if (device !== undefined && (typeof device !== 'string' || device === '' || !DEVICE_PATTERN.test(device))) {
    throw new TfLiteError(`device ${describeValue(device)}: use 'usb', 'pci', 'usb:N', 'pci:N', ':N' or a device ` +
      'path', 'ERR_TFLITE_DELEGATE');
  }
  if (settings.options !== undefined) optionsObject(settings.options, 'Edge TPU options.options');
  if (libraryPath.includes('/') && !fs.existsSync(libraryPath)) {
    throw new TfLiteError(`Edge TPU library not found: ${libraryPath}`, 'ERR_TFLITE_DELEGATE');
  }
  // libedgetpu's plugin takes no paths: a path becomes its index in the enumeration order (':N').
  if (device !== undefined && device.startsWith('/')) {
    const devices = listEdgeTpus(libraryPath);
    const index = devices.findIndex((d) => d.path === device);
    if (index < 0) {
      throw new TfLiteError(`no Edge TPU at '${device}'; libedgetpu sees: ${describeDevices(devices)}`,
        'ERR_TFLITE_DELEGATE');
    }
    device = `:${index}`;
  }
  try {
    return loadDelegate(libraryPath, { ...settings.options, ...(device ? { device } : {}) });
  } catch (error) {
    if (error instanceof TfLiteError && /cannot load delegate library/.test(error.message)) {
      throw new TfLiteError(`${error.message}. Install libedgetpu1-std (or -max) from Coral's apt repository, or ` +
        'set TFLITE_EDGETPU_LIBRARY to its path', 'ERR_TFLITE_DELEGATE');
    }
    // libedgetpu returns NULL, saying nothing, when no device matches (or it cannot open the one that does).
    if (error instanceof TfLiteError && /returned NULL/.test(error.message)) {
      const requested = settings.device === undefined ? 'any device' : `device '${settings.device}'`;
      throw new TfLiteError(`libedgetpu could not open an Edge TPU for ${requested}; devices it sees: ` +
        `${describeDevices(listEdgeTpus(libraryPath))}. Check that the device is plugged in (USB: a USB 3 port, ` +
        "udev rules from libedgetpu1-std and membership of the plugdev group; PCIe: the gasket-dkms driver and " +
        '/dev/apex_N), and that no other process holds it', 'ERR_TFLITE_DELEGATE');
    }
    throw error;
  }
}

const EDGETPU_UNRESOLVED = /unresolved custom op: edgetpu-custom-op/;
const EDGETPU_RUNTIME_TOO_OLD = /requires runtime version/;
const EDGETPU_VERSION_MISMATCH = /Unsupported data type in custom op handler|\(?EdgeTpuDelegateForCustomOp\)? failed to prepare/i;

/**
 * Errors users hit with Edge TPU models, made actionable: a compiled model loaded without the delegate, a model
 * compiled for a newer Edge TPU runtime, and libedgetpu built for another TensorFlow version (it reads TFLite's C
 * structs directly).
 */
export function explainDelegateError(error: unknown): unknown {
  if (!(error instanceof TfLiteError)) return error;
  if (EDGETPU_UNRESOLVED.test(error.message)) {
    return new TfLiteError(`${error.message}\nThis model was compiled for the Coral Edge TPU (its ` +
      "'edgetpu-custom-op' runs only through the Edge TPU delegate): load it with " +
      '{ delegates: [loadEdgeTpuDelegate()] } (first in the list; needs libedgetpu and a device), or use the CPU ' +
      'version of the model (the one given to edgetpu_compiler).', 'ERR_TFLITE_ALLOCATE');
  }
  if (EDGETPU_RUNTIME_TOO_OLD.test(error.message)) {
    return new TfLiteError(`${error.message}\nThe model was compiled by an edgetpu_compiler newer than the loaded ` +
      `libedgetpu (${edgeTpuVersion() ?? 'unknown'}): update libedgetpu, or compile the model again with ` +
      'edgetpu_compiler --min_runtime_version set to the runtime version above.', 'ERR_TFLITE_DELEGATE');
  }
  if (EDGETPU_VERSION_MISMATCH.test(error.message)) {
    return new TfLiteError(`${error.message}\nlibedgetpu reads TFLite's C structs directly, so it must be built for ` +
      `a TensorFlow version compatible with this package's TFLite ${native.tfliteVersion} (see docs/EDGETPU.md). ` +
      `Loaded libedgetpu: ${edgeTpuVersion() ?? 'unknown'}`, 'ERR_TFLITE_DELEGATE');
  }
  return error;
}
