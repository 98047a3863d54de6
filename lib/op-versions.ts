/**
 * Ops whose version in a model is newer than what this runtime's TFLite 2.14.1 (patched, scripts/patches/) has
 * kernels for. TFLite says only "Didn't find op for builtin opcode 'X' version 'N'": this adds what the version
 * means and the converter setting that avoids it. Versions a patch made loadable (FULLY_CONNECTED 12) are not here.
 */
import { TfLiteError } from './errors';

const KNOWN: Record<string, Record<number, string>> = {
  FULLY_CONNECTED: {
    11: 'int16 activations with int8 weights and a quantized_bias_type (the converter\'s 16x8 quantization mode); ' +
      'convert without EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8, or with full-integer int8 ' +
      '(representative_dataset, supported_ops=[TFLITE_BUILTINS_INT8])',
  },
};

const MISSING = /Didn't find op for builtin opcode '([A-Z0-9_]+)' version '(\d+)'/;

/** The same error with what the op version means appended, when TFLite's message names one; else the error. */
export function explainOpVersion(error: unknown): unknown {
  if (!(error instanceof TfLiteError)) return error;
  const found = MISSING.exec(error.message);
  if (!found) return error;
  const [, op, version] = found;
  const meaning = KNOWN[op]?.[Number(version)];
  const hint = meaning
    ? `${op} version ${version} is ${meaning}.`
    : `${op} version ${version} is newer than this runtime's TFLite 2.14.1 kernels: convert with an older ` +
      'converter, or without the optimization that emits it (check the op version table in TensorFlow\'s ' +
      'tensorflow/lite/tools/versioning/op_version.cc).';
  const explained = new TfLiteError(`${error.message}\n${hint}`, error.code);
  explained.stack = error.stack;
  return explained;
}
