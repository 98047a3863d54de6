import { TfLiteError } from './errors';

/**
 * The state an interpreter shares with its tensors and signature runners: whether it is disposed, whether an async
 * run is in flight, and counters that tell cached views and descriptions when they went stale.
 */
export class UsageGuard {
  disposed = false;
  busy = false;
  /** Bumped whenever native code detached every view (allocate, resize, dispose). */
  generation = 0;
  /** Bumped after every invoke: copies of outputs are stale then. */
  invocations = 0;

  check(): void {
    if (this.disposed) throw new TfLiteError('the interpreter was disposed', 'ERR_TFLITE_DISPOSED');
    if (this.busy) {
      throw new TfLiteError('the interpreter is running an async invoke; await it first', 'ERR_TFLITE_BUSY');
    }
  }
}
