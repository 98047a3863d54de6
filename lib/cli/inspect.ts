// `tflite-runtime inspect MODEL`: inputs, outputs, signatures, ops by type, delegate placement, metadata.
import type { Command } from 'commander';
import type { AnyTensor, DelegateInfo, Interpreter, ModelMetadata, PlannedOp, TensorDetails } from '../index';
import {
  lib, readModelFile, readUserFile, interpreterOptions, formatBytes, shape, table, formatQuantization, toJson, messageOf,
  type AddRuntimeOptions, type RuntimeFlags,
} from './common';

interface InspectFlags extends RuntimeFlags {
  json?: boolean;
  labels?: string;
}

/** A delegate report, an external one with the library it came from. */
export type DelegateReport = DelegateInfo & { library?: string };

interface OpCount { op: string; count: number }

/** Op counts by type, most frequent first (ties in the order the model first uses them). */
export function countOps(ops: readonly string[]): OpCount[] {
  const counts = new Map<string, number>();
  for (const op of ops) counts.set(op, (counts.get(op) ?? 0) + 1);
  return [...counts].map(([op, count], order) => ({ op, count, order }))
    .sort((a, b) => b.count - a.count || a.order - b.order).map(({ op, count }) => ({ op, count }));
}

function tensorRow(details: TensorDetails) {
  return {
    name: details.name,
    index: details.index,
    dtype: details.dtype,
    shape: details.shape,
    shapeSignature: details.shapeSignature,
    quantization: details.quantization,
    quantizationParameters: details.quantizationParameters,
  };
}

function signatureTensors(record: Record<string, AnyTensor>) {
  return Object.entries(record).map(([name, tensor]) => ({
    name, tensor: tensor.name, dtype: tensor.dtype, shape: tensor.shape, shapeSignature: tensor.shapeSignature,
  }));
}

/** The delegate reports, each external one ('delegates[i]') with the library it came from. */
export function withLibraries(reports: readonly DelegateInfo[], libraries: readonly string[]): DelegateReport[] {
  return reports.map((report) => {
    const index = /^delegates\[(\d+)\]$/.exec(report.name)?.[1];
    return index !== undefined && libraries[Number(index)] ? { ...report, library: libraries[Number(index)]! } : report;
  });
}

/**
 * Where each op type runs with the delegates asked for. The plan lists the nodes TFLite kept (with their op) and
 * one kernel per delegated partition; the model's own ops minus the kept ones are the delegated ones.
 */
function placement(modelOps: readonly string[], interpreter: Interpreter, libraries: readonly string[]) {
  const plan = interpreter.executionPlan;
  const kept = countOps(plan.filter((p) => p.delegate === null).map((p) => p.op));
  const keptBy = new Map(kept.map(({ op, count }) => [op, count]));
  const byType = countOps(modelOps).map(({ op, count }) => {
    const cpu = Math.min(count, keptBy.get(op) ?? 0);
    return { op, count, cpu, delegated: count - cpu };
  });
  return { delegates: withLibraries(interpreter.delegates, libraries), plan, byType };
}

/** The model's metadata and the labels to use: --labels FILE, else the model's own. */
export interface ReadMetadata {
  metadata: ModelMetadata | null;
  error: string | null;
  labels: string[] | null;
  labelsFrom: string | null;
}

export function readMetadata(bytes: Buffer, labelsFile: string | undefined): ReadMetadata {
  const { readModelMetadata, parseLabels } = lib();
  let metadata: ModelMetadata | null = null;
  let error: string | null = null;
  try {
    metadata = readModelMetadata(bytes);
  } catch (e) {
    error = messageOf(e);
  }
  let labels = metadata?.labels ?? null;
  let labelsFrom = labels ? 'model metadata' : null;
  if (labelsFile) {
    labels = parseLabels(readLabelsFile(labelsFile));
    labelsFrom = labelsFile;
  }
  return { metadata, error, labels, labelsFrom };
}

function jsonMetadata(metadata: ModelMetadata | null) {
  if (!metadata) return null;
  return {
    entries: metadata.entries,
    minRuntimeVersion: metadata.minRuntimeVersion,
    description: metadata.description,
    tflite: metadata.tflite,
    files: Object.entries(metadata.files).map(([name, data]) => ({ name, bytes: data.length })),
  };
}

interface InspectReport {
  model: string;
  sizeBytes: number;
  tflite: string;
  tensorCount: number;
  inputs: ReturnType<typeof tensorRow>[];
  outputs: ReturnType<typeof tensorRow>[];
  signatures: Record<string, { inputs: ReturnType<typeof signatureTensors>; outputs: ReturnType<typeof signatureTensors> }>;
  ops: { nodes: number; byType: OpCount[] } | null;
  allocation: { ok: boolean; code?: string | undefined; error?: string };
  placement: { delegates: DelegateReport[]; plan: PlannedOp[]; byType: (OpCount & { cpu: number; delegated: number })[] } | null;
  metadata: ReturnType<typeof jsonMetadata>;
  metadataError?: string;
  labels: string[] | null;
}

async function inspect(modelPath: string, opts: InspectFlags): Promise<void> {
  const { Interpreter, version } = lib();
  const bytes = readModelFile(modelPath);
  // The model as written: no delegates, so the plan is the model's own op list.
  const plain = new Interpreter(bytes, { xnnpack: false });
  const report: InspectReport = {
    model: modelPath,
    sizeBytes: bytes.length,
    tflite: version.tflite,
    tensorCount: plain.tensorCount,
    inputs: plain.getInputDetails().map(tensorRow),
    outputs: plain.getOutputDetails().map(tensorRow),
    signatures: {},
    ops: null,
    allocation: { ok: true },
    placement: null,
    metadata: null,
    labels: null,
  };
  for (const key of plain.signatures) {
    const runner = plain.getSignatureRunner(key);
    report.signatures[key] = { inputs: signatureTensors(runner.inputs), outputs: signatureTensors(runner.outputs) };
  }
  const modelOps = plain.executionPlan.map((p) => p.op);
  report.ops = { nodes: modelOps.length, byType: countOps(modelOps) };
  try {
    plain.allocateTensors();
  } catch (error) {
    report.allocation = { ok: false, code: (error as { code?: string }).code, error: messageOf(error) };
  }
  plain.dispose();

  const options = interpreterOptions(opts);
  if (options.xnnpack || options.delegates.length > 0) {
    const delegated = new Interpreter(bytes, options);
    try {
      report.placement = placement(modelOps, delegated, opts.delegate ?? []);
    } finally {
      delegated.dispose();
      for (const d of options.delegates) d.dispose();
    }
  }
  const meta = readMetadata(bytes, opts.labels);
  report.metadata = jsonMetadata(meta.metadata);
  if (meta.error) report.metadataError = meta.error;
  report.labels = meta.labels;

  if (opts.json) {
    process.stdout.write(toJson(report) + '\n');
    return;
  }
  process.stdout.write(human(report, meta) + '\n');
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function tensorTable(list: ReturnType<typeof tensorRow>[]): string {
  if (list.length === 0) return '  (none)';
  return table([['#', 'name', 'dtype', 'shape', 'signature', 'quantization'], ...list.map((t, i) => [
    i, t.name, t.dtype, shape(t.shape), shape(t.shapeSignature), formatQuantization(t),
  ])]);
}

function human(report: InspectReport, meta: ReadMetadata): string {
  const out: string[] = [];
  const md = report.metadata;
  out.push(`Model      ${report.model} (${formatBytes(report.sizeBytes)}, ${report.tensorCount} tensors)`);
  out.push(`Runtime    TFLite ${report.tflite}` + (md?.minRuntimeVersion ? `; the model needs ${md.minRuntimeVersion} or newer` : ''));
  if (!report.allocation.ok) out.push(`Warning    the model does not allocate: ${report.allocation.error!.split('\n')[0]}`);
  out.push('', 'Inputs', tensorTable(report.inputs), '', 'Outputs', tensorTable(report.outputs));

  const keys = Object.keys(report.signatures);
  out.push('', `Signatures${keys.length === 0 ? '  (none)' : ''}`);
  for (const key of keys) {
    const sig = report.signatures[key]!;
    out.push(`  ${key}`);
    const rows = [...sig.inputs.map((t) => ['in', t.name, t.tensor, t.dtype, shape(t.shape), shape(t.shapeSignature)]),
      ...sig.outputs.map((t) => ['out', t.name, t.tensor, t.dtype, shape(t.shape), shape(t.shapeSignature)])];
    out.push(table(rows, '    '));
  }

  const ops = report.ops!;
  out.push('', `Ops  ${plural(ops.nodes, 'node')}, ${plural(ops.byType.length, 'type')}`);
  const p = report.placement;
  if (!p) {
    out.push(table(ops.byType.map(({ op, count }) => [op, count])));
  } else {
    out.push(table([['op', 'count', 'cpu', 'delegated'], ...p.byType.map((r) => [r.op, r.count, r.cpu, r.delegated])]));
    out.push('', 'Delegates');
    out.push(table(p.delegates.map((d) => [d.library ? `${d.name} ${d.library}` : d.name, d.applied ? 'applied' : 'not applied',
      `${d.nodes} of ${ops.nodes} nodes`, d.error ? d.error.split('\n')[0] : ''])));
    for (const d of p.delegates.filter((x) => x.leftOnCpu)) {
      const left = Object.entries(d.leftOnCpu!).map(([op, n]) => `${op} x${n}`).join(', ');
      out.push(`  ${d.name} left on TFLite's built-in kernels: ${left}`);
    }
    const kernels = p.plan.filter((n) => n.delegate !== null);
    if (kernels.length > 0) {
      out.push(`  execution plan: ${p.plan.map((n) => (n.delegate ? `[${n.delegate}: ${n.nodes} nodes]` : n.op)).join(' → ')}`);
    }
  }

  out.push('', 'Metadata');
  if (meta.error) out.push(`  unreadable: ${meta.error}`);
  if (md) {
    out.push(`  entries: ${md.entries.join(', ') || '(none)'}`);
    const t = md.tflite;
    if (t) {
      const by = [t.version && `version ${t.version}`, t.author && `by ${t.author}`, t.license && `license ${t.license}`]
        .filter(Boolean).join(', ');
      out.push(`  ${t.name ?? '(unnamed)'}${by ? ` (${by})` : ''}`);
      if (t.description) out.push(`  ${t.description}`);
      const describe = (kind: string, list: NonNullable<ModelMetadata['tflite']>['inputs']) => list.forEach((m, i) => {
        const parts = [m.description];
        if (m.normalization) parts.push(`normalise (x - ${m.normalization.mean.join('|')}) / ${m.normalization.std.join('|')}`);
        for (const f of m.associatedFiles) parts.push(`${f.name} (${f.type}${f.locale ? `, ${f.locale}` : ''})`);
        out.push(`  ${kind} ${i} ${m.name ?? ''}: ${parts.filter(Boolean).join('; ')}`);
      });
      describe('input', t.inputs);
      describe('output', t.outputs);
    }
    if (md.files.length > 0) out.push(`  associated files: ${md.files.map((f) => `${f.name} (${formatBytes(f.bytes)})`).join(', ')}`);
  }
  if (report.labels) {
    const shown = report.labels.slice(0, 10).join(', ') + (report.labels.length > 10 ? ', …' : '');
    out.push(`  labels (${report.labels.length}, from ${meta.labelsFrom}): ${shown}`);
  }
  return out.join('\n');
}

export function register(program: Command, addRuntimeOptions: AddRuntimeOptions): void {
  addRuntimeOptions(program.command('inspect')
    .description('describe a model: inputs, outputs, signatures, ops by type, delegate placement, metadata')
    .argument('<model>', 'a .tflite file')
    .option('--json', 'print one JSON object (for scripts)')
    .option('--labels <file>', 'a labels file (one label per line) instead of the labels in the model metadata'))
    .addHelpText('after', `
Placement shows which op types the delegates take (XNNPACK is on unless --xnnpack off).
Examples:
  $ tflite-runtime inspect model.tflite
  $ tflite-runtime inspect model.tflite --xnnpack off --json
  $ tflite-runtime inspect model_edgetpu.tflite --delegate libedgetpu.so.1 --delegate-option device=usb`)
    .action(inspect);
}

/** A labels file is text: 64 MiB is far past any label set (ImageNet's 21k classes take 0.3 MiB). */
export function readLabelsFile(file: string): string {
  return readUserFile(file, 'labels file', 64 * 1024 * 1024).toString('utf8');
}
