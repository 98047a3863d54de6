/** The one error type of this package. `code` says what went wrong; the message carries TFLite's own words. */
export type TfLiteErrorCode =
  | 'ERR_TFLITE_MODEL_INVALID'
  | 'ERR_TFLITE_NOT_FOUND'
  | 'ERR_TFLITE_DTYPE'
  | 'ERR_TFLITE_SHAPE'
  | 'ERR_TFLITE_SIZE'
  | 'ERR_TFLITE_INDEX'
  | 'ERR_TFLITE_BUSY'
  | 'ERR_TFLITE_DISPOSED'
  | 'ERR_TFLITE_CANCELLED'
  | 'ERR_TFLITE_DELEGATE'
  | 'ERR_TFLITE_ALLOCATE'
  | 'ERR_TFLITE_INVOKE'
  // A write to one of the model's constants (weights live in read-only memory).
  | 'ERR_TFLITE_READ_ONLY'
  // A call's own arguments or options are wrong (not the model, not a tensor index).
  | 'ERR_TFLITE_ARGUMENT';

export class TfLiteError extends Error {
  readonly code: TfLiteErrorCode;

  constructor(message: string, code: TfLiteErrorCode) {
    super(message);
    this.name = 'TfLiteError';
    this.code = code;
  }
}

/** Captured before going native, so an async rejection points at the caller's line, not at the event loop. */
export function captureCallSite(): Error {
  const site = new Error();
  Error.captureStackTrace(site, captureCallSite);
  return site;
}

export function withCallSite(error: unknown, site: Error): unknown {
  if (error instanceof Error && site.stack) {
    const frames = site.stack.split('\n').slice(1).join('\n');
    error.stack = `${error.name}: ${error.message}\n${frames}`;
  }
  return error;
}
