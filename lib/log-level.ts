/**
 * TFLite's own log: the lines it writes to stderr itself (TFLITE_LOG), such as "INFO: Created TensorFlow Lite
 * XNNPACK delegate for CPU.". Not the errors: those reach TfLiteError messages through the error reporters whatever
 * the level. TFLite keeps one level per process; every interpreter sets the one it is created with.
 */
import { TfLiteError } from './errors';

export type LogLevel = 'verbose' | 'info' | 'warning' | 'error' | 'silent';

/** tflite::LogSeverity values (tensorflow/lite/logger.h). */
const SEVERITY: Record<LogLevel, number> = { verbose: 0, info: 1, warning: 2, error: 3, silent: 4 };

export const LOG_LEVEL_ENV = 'TFLITE_RUNTIME_LOG_LEVEL';

function parse(value: unknown, where: string): number {
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(SEVERITY, value)) {
    return SEVERITY[value as LogLevel];
  }
  throw new TfLiteError(`${where} must be one of ${Object.keys(SEVERITY).join(', ')} (got ${String(value)})`,
    'ERR_TFLITE_ARGUMENT');
}

/** The severity for an interpreter: its `logLevel` option, else $TFLITE_RUNTIME_LOG_LEVEL, else 'warning'. */
export function logSeverity(option: unknown): number {
  if (option !== undefined) return parse(option, 'logLevel');
  const env = process.env[LOG_LEVEL_ENV];
  if (env !== undefined && env !== '') return parse(env.toLowerCase(), LOG_LEVEL_ENV);
  return SEVERITY.warning;
}
