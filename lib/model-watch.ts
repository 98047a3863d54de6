import * as fs from 'fs';
import * as path from 'path';
import { TfLiteError } from './errors';

export interface WatchOptions {
  /** Quiet time after the last file-system event before the file is looked at (ms). Default 200. */
  debounceMs?: number | undefined;
  /**
   * Poll the file's stat every `pollMs` instead of using file-system events (network file systems, some container
   * mounts); a new version is taken when two polls in a row see it (debounceMs does not apply). Default: events
   * (fs.watch on the folder), falling back to polling every 1000 ms where they fail.
   */
  pollMs?: number | undefined;
}

/** A running watch; close() stops it (idempotent). */
export interface ModelWatcher {
  readonly path: string;
  close(): void;
}

/** What identifies one version of a file: a replacement by rename changes the inode, a rewrite the size or times. */
function signature(file: string): string | null {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}` : null;
  } catch {
    return null; // missing for now (between unlink and rename, say): wait for the next event
  }
}

function checkMs(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 3_600_000) {
    throw new TfLiteError(`${what} must be a number of milliseconds from 0 to 3600000`, 'ERR_TFLITE_ARGUMENT');
  }
  return value;
}

/**
 * Calls `onChange` once the file at `file` is a new version and has stayed so for `debounceMs`. Deploy tools
 * replace a file by writing a temporary one and renaming it over the old: a watch on the file itself would follow
 * the old inode and miss that, so this watches the folder and compares the path's stat (following symlinks, so a
 * Kubernetes-style `..data` symlink swap counts too). The watch does not keep the process alive.
 */
export function watchFile(file: string, onChange: () => void, options: WatchOptions = {}): ModelWatcher {
  if (typeof file !== 'string' || file.length === 0) {
    throw new TfLiteError('watch needs the model as a file path', 'ERR_TFLITE_ARGUMENT');
  }
  if (options === null || typeof options !== 'object') {
    throw new TfLiteError('watch options must be an object', 'ERR_TFLITE_ARGUMENT');
  }
  const debounceMs = checkMs(options.debounceMs, 'debounceMs', 200);
  const pollMs = options.pollMs === undefined ? undefined : checkMs(options.pollMs, 'pollMs', 1000);
  const absolute = path.resolve(file);
  let last = signature(absolute);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const look = () => {
    timer = undefined;
    if (closed) return;
    const now = signature(absolute);
    if (now === null || now === last) return;
    last = now;
    onChange();
  };
  const poke = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(look, debounceMs);
    timer.unref();
  };

  let stop: () => void;
  // Polling compares the path's stat itself (fs.watchFile takes its first stat asynchronously, and a file replaced
  // before that would never count as changed): a new version is taken once it looked the same on two polls in a row.
  const poll = (interval: number) => {
    let seen = last;
    const timer = setInterval(() => {
      if (closed) return;
      const now = signature(absolute);
      if (now === null) return;
      if (now !== seen) {
        seen = now;
        return;
      }
      if (now !== last) {
        last = now;
        onChange();
      }
    }, interval);
    timer.unref();
    stop = () => clearInterval(timer);
  };
  if (pollMs !== undefined) {
    poll(pollMs);
  } else {
    try {
      const watcher = fs.watch(path.dirname(absolute), { persistent: false }, poke);
      watcher.on('error', () => {
        // The folder went away or the watch broke: poll the path from now on.
        watcher.close();
        if (!closed) poll(1000);
      });
      stop = () => watcher.close();
    } catch {
      poll(1000);
    }
  }
  return {
    path: absolute,
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      stop();
    },
  };
}
