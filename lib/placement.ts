/**
 * Where the model's ops run after delegation, in words: for each delegate asked for, whether TFLite applied it, how
 * many nodes it took, which ops it left on the built-in kernels, and when it was refused, why (TFLite's message, or
 * the tensor that made the graph dynamic and the op computing it). `interpreter.delegates` and the CLI show it.
 */
import type { NativeDelegateReport, NativePlannedNode } from './binding';
import { BuiltinOperator } from './schema/tflite';

/** One delegate asked for, as `interpreter.delegates` reports it. */
export interface DelegateInfo {
  /** 'xnnpack' or 'delegates[i]'. */
  name: string;
  applied: boolean;
  /** How many of the model's nodes this delegate took. */
  nodes: number;
  /** Why it was not applied, when it was not: what TFLite said, or which tensor made the graph dynamic. */
  error?: string | undefined;
  /**
   * When it took only part of the graph: the ops left on TFLite's built-in kernels, with their node counts
   * (e.g. { GATHER: 3 }). Absent when it took everything or was not applied.
   */
  leftOnCpu?: Record<string, number> | undefined;
}

/** An op's name: a custom op's own, else the builtin's from the schema (BUILTIN_<code> for a code it does not name). */
export function opName(op: number, custom: string): string {
  return custom || BuiltinOperator[op] || `BUILTIN_${op}`;
}

/** `tensorName(index)` gives a tensor's name for the messages ('' when unknown). */
export function describePlacement(plan: NativePlannedNode[], reports: NativeDelegateReport[],
  tensorName: (index: number) => string): DelegateInfo[] {
  // Ops still on TFLite's own kernels after every delegate, by name.
  const leftOnCpu: Record<string, number> = {};
  for (const node of plan) {
    if (node.delegate !== null) continue;
    const name = opName(node.op, node.custom);
    leftOnCpu[name] = (leftOnCpu[name] ?? 0) + 1;
  }
  const partial = Object.keys(leftOnCpu).length > 0;
  return reports.map((report) => {
    const nodes = plan.filter((n) => n.delegate === report.label).reduce((sum, n) => sum + n.nodes, 0);
    const info: DelegateInfo = { name: report.label, applied: report.applied, nodes };
    if (!report.applied) {
      info.error = report.dynamicTensor ? dynamicReason(report, tensorName) : report.error;
    } else if (partial) {
      info.leftOnCpu = { ...leftOnCpu };
    }
    return info;
  });
}

function dynamicReason(report: NativeDelegateReport, tensorName: (index: number) => string): string {
  const d = report.dynamicTensor!;
  const name = tensorName(d.tensor);
  const who = report.label === 'xnnpack' ? 'XNNPACK' : `${report.label}`;
  return `${report.error}: tensor #${d.tensor}${name ? ` '${name}'` : ''}, computed by node ${d.node} ` +
    `(${opName(d.op, d.custom)}), gets its size only while running (TFLite cannot compute it at prepare, e.g. a ` +
    `shape computed from data), so ${who} was not applied and every op runs on TFLite's built-in kernels`;
}
