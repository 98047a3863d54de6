#!/usr/bin/env node
// Runs a model on a Coral Edge TPU when one is there, on the CPU otherwise, and says where it ran.
//
//   node dist/examples/edgetpu.js [model.tflite] [--device usb|pci|usb:N|pci:N|:N|/dev/apex_N] [--json]
//
// The model defaults to test/fixtures/add.tflite, a one-op ADD test model (a CPU model: it runs anywhere, and only
// shows the plumbing). Give it the *_edgetpu.tflite that edgetpu_compiler wrote to use the TPU; such a model runs
// only through the Edge TPU delegate.
// What has been checked, honestly: this project has no Coral hardware. The example is tested (test/delegates.test.ts)
// against a fake libedgetpu (test/plugins/fake_edgetpu.cc) that speaks the delegate plugin ABI and lists fake
// devices; it has never run on a real Edge TPU here. Which real libedgetpu builds pair with TFLite 2.14.1, and
// which are known not to: docs/EDGETPU.md. libedgetpu is
// found as TFLITE_EDGETPU_LIBRARY, else libedgetpu.so.1 through the dynamic loader (Coral's libedgetpu1-std
// package). Inputs are filled with a deterministic pattern; --json prints one JSON object instead of prose.
// See docs/EDGETPU.md for the setup.
import * as path from 'path';
import {
  Interpreter, TfLiteError, listEdgeTpus, edgeTpuVersion, loadEdgeTpuDelegate, version,
  type AnyTensor, type Delegate, type DelegateInfo, type EdgeTpuDevice, type PlannedOp, type TypedArray,
} from 'tflite-runtime';
import { runMain } from './lib/main';
import { FIXTURES } from './lib/package-root';

function parseArguments(argv: string[]) {
  const settings: { model: string; device: string | undefined; json: boolean } =
    { model: path.join(FIXTURES, 'add.tflite'), device: undefined, json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') settings.json = true;
    else if (argv[i] === '--device') settings.device = argv[++i];
    else settings.model = argv[i];
  }
  return settings;
}

// A repeatable input, different for each input, neither constant nor all zero, within the dtype's range.
function fill(tensor: AnyTensor, which: number): void {
  if (tensor.dtype === 'string') return; // string tensors: left empty
  const data: TypedArray = tensor.data;
  for (let i = 0; i < data.length; i++) {
    const value = ((i * 7 + which * 5) % 13) - 4;
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(Math.abs(value));
    else if (data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Uint32Array) {
      data[i] = Math.abs(value) * 9;
    } else data[i] = tensor.dtype.startsWith('float') ? value / 4 : value;
  }
}

/** The first 16 values (int64 as strings, for JSON), and how many there are when there are more. */
function preview(values: TypedArray | string[]): (number | string)[] {
  const shown = [...values.slice(0, 16)].map((v) => (typeof v === 'bigint' ? v.toString() : v));
  return values.length > 16 ? [...shown, `… (${values.length})`] : shown;
}

/** What the example found and did; --json prints it as it is. */
interface Report {
  tflite: string;
  libedgetpu: string | null;
  devices: EdgeTpuDevice[];
  model: string;
  edgeTpuError?: string;
  inputs?: Record<string, (number | string)[]>;
  invokeMs?: number;
  outputs?: Record<string, (number | string)[]>;
  delegates?: DelegateInfo[];
  executionPlan?: PlannedOp[];
  ranOn?: 'edgetpu' | 'cpu';
}

function main() {
  const settings = parseArguments(process.argv.slice(2));
  const devices = listEdgeTpus();
  const report: Report = { tflite: version.tflite, libedgetpu: edgeTpuVersion(), devices, model: settings.model };

  // The Edge TPU when libedgetpu sees one; the CPU (with XNNPACK) otherwise, or when the TPU cannot be opened.
  const delegates: Delegate[] = [];
  if (devices.length > 0) {
    try {
      delegates.push(loadEdgeTpuDelegate({ device: settings.device }));
    } catch (error) {
      if (!(error instanceof TfLiteError)) throw error;
      report.edgeTpuError = `${error.code}: ${error.message}`;
    }
  }

  const interpreter = new Interpreter(settings.model, { delegates });
  try {
    interpreter.allocateTensors();
    interpreter.inputs.forEach(fill);
    report.inputs = Object.fromEntries(interpreter.inputs.map((t) => [t.name, preview(t.get())]));
    const started = process.hrtime.bigint();
    interpreter.invoke();
    report.invokeMs = Number(process.hrtime.bigint() - started) / 1e6;
    report.outputs = Object.fromEntries(interpreter.outputs.map((t) => [t.name, preview(t.get())]));
    report.delegates = interpreter.delegates;
    report.executionPlan = interpreter.executionPlan;
    const edgeTpu = interpreter.delegates.find((d) => d.name === 'delegates[0]');
    report.ranOn = edgeTpu && edgeTpu.nodes > 0 ? 'edgetpu' : 'cpu';
  } finally {
    interpreter.dispose();
    for (const delegate of delegates) delegate.dispose();
  }

  if (settings.json) {
    console.log(JSON.stringify(report));
    return;
  }
  console.log(`TFLite ${report.tflite}; libedgetpu: ${report.libedgetpu ?? 'not installed'}; model: ${settings.model}` +
    `${path.basename(settings.model) === 'add.tflite' ? ' (a one-op test model)' : ''}`);
  console.log(`Edge TPUs: ${devices.length ? devices.map((d) => `${d.type} ${d.path}`).join(', ') : 'none'}`);
  if (report.edgeTpuError) console.log(`Edge TPU not used: ${report.edgeTpuError}`);
  for (const d of report.delegates) {
    console.log(`  ${d.name}: ${d.applied ? `applied, ${d.nodes} node(s)` : `not applied (${d.error})`}`);
  }
  console.log('Execution plan:');
  for (const op of report.executionPlan) {
    console.log(`  ${op.op}${op.delegate ? ` on ${op.delegate} (${op.nodes} model nodes)` : ' (CPU kernel)'}`);
  }
  console.log(`Ran on ${report.ranOn === 'edgetpu' ? 'the Edge TPU' : 'the CPU'} in ${report.invokeMs.toFixed(3)} ms`);
  for (const [name, values] of Object.entries(report.outputs)) console.log(`  ${name}: ${values.join(', ')}`);
}

runMain(async () => main());
