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
