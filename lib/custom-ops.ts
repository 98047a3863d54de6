/**
 * Custom op kernels from the user's shared libraries, as Python's InterpreterWithCustomOps and C++'s AddCustom.
 * The library exports a registerer, `void TfLiteRuntimeRegisterCustomOps(TfLiteInterpreterOptions*)` unless named
 * otherwise, that adds its kernels with TfLiteInterpreterOptionsAddCustomOp (native/custom_ops.cc loads it).
 */
import * as path from 'path';
import { TfLiteError } from './errors';
import { checkLibraryFile } from './file-read';

export interface CustomOpLibrary {
  /** Path of the shared library. A bare file name is searched for by the dynamic loader, as dlopen does. */
  library: string;
  /** The exported registerer's name. Default 'TfLiteRuntimeRegisterCustomOps'. */
  registerer?: string | undefined;
}

/** More custom op libraries (or delegates) than any model needs; a bound on what an options array may list. */
export const MAX_LIBRARIES = 64;

export const DEFAULT_REGISTERER = 'TfLiteRuntimeRegisterCustomOps';

/** The `customOps` option, checked, as the native side takes it. */
export function customOpLibraries(option: unknown): { library: string; registerer: string }[] {
  if (option === undefined) return [];
  if (!Array.isArray(option)) {
    throw new TfLiteError('customOps must be an array of library paths or { library, registerer }', 'ERR_TFLITE_ARGUMENT');
  }
  if (option.length > MAX_LIBRARIES) { // checked before reading: a sparse array can claim 2^32 - 1 entries
    throw new TfLiteError(`customOps lists ${option.length} libraries, more than ${MAX_LIBRARIES}`, 'ERR_TFLITE_ARGUMENT');
  }
  return option.map((entry: unknown, i) => {
    const spec = typeof entry === 'string' ? { library: entry } : entry as CustomOpLibrary;
    if (spec === null || typeof spec !== 'object' || typeof spec.library !== 'string' || spec.library === '') {
      throw new TfLiteError(`customOps[${i}] must be a library path or { library, registerer }`, 'ERR_TFLITE_ARGUMENT');
    }
    if (spec.registerer !== undefined && (typeof spec.registerer !== 'string' || spec.registerer === '')) {
      throw new TfLiteError(`customOps[${i}].registerer must be a symbol name`, 'ERR_TFLITE_ARGUMENT');
    }
    // A relative path with a slash is the user's file, relative to the working directory (dlopen would resolve it
    // the same way, but an absolute path makes the error message unambiguous).
    const library = spec.library.includes('/') ? path.resolve(spec.library) : spec.library;
    if (library.includes('/')) checkLibraryFile(library, `customOps[${i}] custom op`, 'ERR_TFLITE_NOT_FOUND');
    return { library, registerer: spec.registerer ?? DEFAULT_REGISTERER };
  });
}
