/**
 * The graph checks TFLite 2.14 leaves out. TfLiteModelCreate runs the flatbuffer verifier, which proves the file is
 * well-formed (every offset in bounds) but not that the graph makes sense; InterpreterBuilder then checks some
 * indices and ignores the rest, and several kernels and XNNPACK crash the process on what slips through (found by
 * stress/fuzz-models.ts; docs/SECURITY.md lists them). After the verifier accepted the model, the addon reads its
 * structure (never its weights) with TFLite's own generated schema accessors, on the bytes TFLite verified and will
 * run (for a model given by path, TFLite's mapping of the file: never a second read), and runs the named rules of
 * native/model_check_rules.cc, each with the crash it prevents and its reproducer. The first problem found is the
 * verdict; one finding is not a reason to refuse the model but to run it without XNNPACK (deadOutputs).
 *
 * It was JavaScript (lib/model-check/rules.ts and graph.ts over lib/schema/byte-source.ts) until it moved into the
 * addon, for cold start: stress/check-parity.ts proved the two give the same reports (problem, rule, xnnpackHazard,
 * validPools) on the corpus, the fixtures, stress/seeds and crashes, every hostile model and 245,000 fuzz mutants
 * (seeds 1-5 x 5,000, 7 and 11-20 x 20,000, seed 7 under ASan + UBSan: 154,890 reports of models past the
 * verifier compared, every rule firing, 0 differences), and
 * measures the check (`node dist-tools/stress/check-parity.js --time --js-dist <a dist/cjs with the JS check>`;
 * median ms of the check alone; warm: 100 runs after 30 in one process; first: a fresh process's first model):
 *                              JS by path       JS in memory     native by path    native in memory
 *                              warm    first    warm    first    warm    first     warm    first
 *   lstm_int8                  1.64    35.2     0.79    18.0     0.037   0.15      0.064   0.14
 *   lstm_f32                   1.36    32.8     0.87    28.2     0.058   0.13      0.033   0.13
 *   mobilenetv3small_f32       0.66    19.1     0.14     8.8     0.030   0.12      0.021   0.12
 *   object_detection_3d_camera 0.83    16.8     0.14     9.2     0.026   0.09      0.032   0.10
 *   pose_landmark_heavy        4.42    39.9     0.90    30.6     0.099   0.19      0.116   0.24
 * (the JS check's own modules, no longer loaded, came on top of its first-model cost). A fresh process's whole cold
 * start, require + new Interpreter(path) + allocateTensors + first invoke (median of 9, the same prebuilt addon):
 * lstm_int8 113.5 -> 47.5 ms, mobilenetv3small_f32 66.4 -> 34.8 ms, pose_landmark_heavy 302 -> 201 ms.
 */
import type { NativeModel } from './binding';
import { TfLiteError } from './errors';
import type { GraphReport } from './model-check/report';

export type { GraphReport } from './model-check/report';

/**
 * The addon's graph checks on a model TFLite just verified: its report, or ERR_TFLITE_MODEL_INVALID naming the
 * problem (the model is disposed then).
 */
export function checkModelGraph(model: NativeModel): GraphReport {
  let report: GraphReport;
  try {
    report = model.checkGraph();
  } catch (error) {
    model.dispose();
    throw error;
  }
  if (report.problem !== null) {
    model.dispose();
    throw new TfLiteError(`the model's graph is invalid: ${report.problem}`, 'ERR_TFLITE_MODEL_INVALID');
  }
  return report;
}
