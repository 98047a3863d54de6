/**
 * The one way lib/ reads a file a caller named (models, metadata, the CLI's inputs and labels): a regular file only,
 * at most `maxBytes`, opened without blocking. A FIFO would block the event loop forever on open or read, a device
 * such as /dev/zero never ends, and a link can point at either: all are refused by what fstat says about the opened
 * descriptor (no race with a file swapped between a stat and the open). A file that grows while it is read is read
 * up to the size it had.
 */
import * as fs from 'fs';
import { TfLiteError, TfLiteErrorCode } from './errors';

export interface FileLimit {
  /** What the file is, for messages ("model file", "input file"). */
  what: string;
  maxBytes: number;
  /** The code for a file over maxBytes. */
  tooLarge: TfLiteErrorCode;
}

/** Node's own ceiling for one Buffer read in one call (2 GiB - 1 on 64-bit). */
export const MAX_READ_BYTES = 0x7fffffff;

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

function openError(path: string, limit: FileLimit, error: unknown): TfLiteError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not readable (permission denied)'
    : code === 'EISDIR' ? 'a directory, not a file' : `cannot be opened (${code ?? String(error)})`;
  return new TfLiteError(`${limit.what} ${why}: ${path}`, 'ERR_TFLITE_NOT_FOUND');
}

function checkStat(path: string, stat: fs.Stats, limit: FileLimit): number {
  if (!stat.isFile()) {
    const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice()
      ? 'a character device' : stat.isBlockDevice() ? 'a block device' : stat.isSocket() ? 'a socket' : 'not a file';
    throw new TfLiteError(`not a ${limit.what}: ${path} is ${kind}, not a regular file`, 'ERR_TFLITE_NOT_FOUND');
  }
  if (stat.size > Math.min(limit.maxBytes, MAX_READ_BYTES)) {
    throw new TfLiteError(`${limit.what} ${path} is ${stat.size} bytes, over the limit of ` +
      `${Math.min(limit.maxBytes, MAX_READ_BYTES)} bytes`, limit.tooLarge);
  }
  return stat.size;
}

/** Opens `path` without blocking, checks what fstat says against `limit`, hands (fd, size) to `use`, closes. */
function withRegularFile<T>(path: string, limit: FileLimit, use: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = fs.openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw openError(path, limit, error);
  }
  try {
    return use(fd, checkStat(path, fs.fstatSync(fd), limit));
  } finally {
    fs.closeSync(fd);
  }
}

/** fstat-checked size of a path that must be a regular file within the limit (the file is not read). */
export function checkRegularFile(path: string, limit: FileLimit): number {
  return withRegularFile(path, limit, (_fd, size) => size);
}

export function readRegularFileSync(path: string, limit: FileLimit): Buffer {
  return withRegularFile(path, limit, (fd, size) => {
    const bytes = Buffer.allocUnsafeSlow(size);
    let done = 0;
    while (done < size) {
      const n = fs.readSync(fd, bytes, done, size - done, done);
      if (n === 0) break; // the file shrank while being read
      done += n;
    }
    return done === size ? bytes : bytes.subarray(0, done);
  });
}

export async function readRegularFile(path: string, limit: FileLimit): Promise<Buffer> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(path, OPEN_FLAGS);
  } catch (error) {
    throw openError(path, limit, error);
  }
  try {
    const size = checkStat(path, await handle.stat(), limit);
    const bytes = Buffer.allocUnsafeSlow(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === size ? bytes : bytes.subarray(0, done);
  } finally {
    await handle.close();
  }
}

/**
 * A shared library given by path (a delegate plugin, a custom op library) must be a regular file before dlopen sees
 * it: dlopen on a FIFO blocks forever, on a device reads without end. (Bare names go to the loader's search.)
 */
export function checkLibraryFile(library: string, kind: string, code: TfLiteErrorCode): void {
  try {
    checkRegularFile(library, { what: 'shared library', maxBytes: Number.MAX_SAFE_INTEGER, tooLarge: code });
  } catch (error) {
    throw new TfLiteError(`cannot load ${kind} library '${library}': ${(error as Error).message}`, code);
  }
}
