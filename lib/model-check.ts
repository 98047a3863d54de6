/**
 * The graph checks TFLite 2.14 leaves out. TfLiteModelCreate runs the flatbuffer verifier, which proves the file is
 * well-formed (every offset in bounds) but not that the graph makes sense; InterpreterBuilder then checks some
 * indices and ignores the rest, and several kernels and XNNPACK crash the process on what slips through (found by
 * stress/fuzz-models.js; docs/SECURITY.md lists them). After the verifier accepted the model, this reads its
 * structure (never its weights) with the accessors generated from TFLite's schema (lib/schema/tflite.ts) over the
 * bounds-checked byte source (lib/schema/byte-source.ts: a model given by path is read in 64 KiB pages, not whole),
 * and runs the named rules of lib/model-check/rules.ts, each with the crash it prevents and its reproducer. The
 * first problem found is the verdict.
 *
 * One finding is not a reason to refuse the model but to run it without XNNPACK (rules.ts deadOutputs).
 *
 * Cold start (callgrind instructions: `node` requiring this module and checking one corpus model read through
 * fileBytes; the first model of a process runs unoptimized; node's own start varies by about 5 M):
 *                                          mobilenetv3small_int8      lstm_f32
 *                                          whole run   the check   whole run   the check
 *   the hand-written reader (before)         666.7 M     153.6 M     710.8 M     197.7 M
 *   flatc's accessor classes + runtime       804.1 M     226.0 M     788.5 M     214.4 M   (65 M to load them)
 *     ... builders stripped, vectors by field 743.5 M     178.5 M     773.0 M     218.4 M
 *   the generated field table (now)          673.2 M     145.8 M     722.8 M     198.6 M
 * So the readers use flatc's enums and a field table derived from its accessors, both generated from the pinned
 * schema, over one checked byte source, and not the accessor classes (scripts/gen-schema.sh says why).
 */
import { CheckedByteBuffer, ModelBytes, OutOfBounds, rootOf } from './schema/byte-source';
import { readModelGraph } from './model-check/graph';
import { MODEL_RULES, SUBGRAPH_RULES, noSubgraphs } from './model-check/rules';
import { GraphReport } from './model-check/report';

export { ModelBytes, bufferBytes, fileBytes } from './schema/byte-source';
export { GraphReport } from './model-check/report';

/**
 * What is wrong with the model's graph. Structure the verifier would have refused (offsets out of bounds) is not
 * reported: the verifier, which has already run, owns that verdict.
 */
export function checkModelGraph(bytes: ModelBytes): GraphReport {
  const report: GraphReport = { problem: null, rule: null, xnnpackHazard: null, validPools: [] };
  try {
    const bb = new CheckedByteBuffer(bytes);
    const graph = readModelGraph(bb, rootOf(bb));
    const verdict = (rule: string, problem: string | null): boolean => {
      if (problem === null) return false;
      report.problem = problem;
      report.rule = rule;
      return true;
    };
    if (verdict(noSubgraphs.name, noSubgraphs.check(graph, report))) return report;
    for (const sg of graph.subgraphs) {
      for (const rule of SUBGRAPH_RULES) if (verdict(rule.name, rule.check(graph, sg, report))) return report;
    }
    for (const rule of MODEL_RULES) if (verdict(rule.name, rule.check(graph, report))) return report;
  } catch (error) {
    if (!(error instanceof OutOfBounds)) throw error;
  }
  return report;
}
