/** What the addon's graph checks found in a model (native/model_check_report.h builds it). */
export interface GraphReport {
  /** What makes the model unusable, or null. */
  problem: string | null;
  /** The rule (native/model_check_rules.cc) that found the problem, or null. */
  rule: string | null;
  /** Why XNNPACK must not be applied to this model, or null. */
  xnnpackHazard: string | null;
  /**
   * The primary subgraph's pools with VALID padding: their input tensor and window. XNNPACK (2024-11) sizes their
   * output as at least 1 where TFLite computes 0 (input smaller than the window) and writes past its buffers; the
   * interpreter checks the shapes TFLite computed before it keeps XNNPACK (lib/interpreter.ts).
   */
  validPools: { input: number; window: [number, number]; op: number }[];
}
