// Delegates without hardware: a real TfLiteDelegate in a plugin built by the test setup (test/plugins/add_delegate.cc,
// claiming ADD nodes and computing them itself), and a fake libedgetpu (test/plugins/fake_edgetpu.cc) for the Edge
// TPU surface. Both write what they observe to a log file (JSON lines) that the tests read.
import { execFileSync, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  Interpreter, TfLiteError, loadDelegate, loadEdgeTpuDelegate, listEdgeTpus, edgeTpuVersion, version,
  type DelegateInfo, type EdgeTpuDevice, type InterpreterOptions, type PlannedOp,
} from '../dist/cjs';
import { fixture, expected, expectValues, caught, wrongType } from './helpers';

const PLUGINS = path.join(__dirname, '.build', 'plugins');
const ADD_PLUGIN = path.join(PLUGINS, 'libadd_delegate.so');
const HALF_PLUGIN = path.join(PLUGINS, 'libhalf_plugin.so');
const FAKE_EDGETPU = path.join(PLUGINS, 'edgetpu', 'libedgetpu.so.1');
const EXAMPLE = path.join(__dirname, '..', 'dist', 'examples', 'edgetpu.js'); // examples/edgetpu.ts, built

const ADD = expected['add.tflite'];
const addInputs = () => ADD.inputs.map((d) => Float32Array.from(d.value));
const addOutput = () => Float32Array.from(ADD.outputs[0].value);

let work: string;
let logCount = 0;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-delegates-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A fresh log file for one test. */
const newLog = () => path.join(work, `plugin-${++logCount}.log`);
/** One line of a plugin's log (test/plugins/*.cc write them); each event kind has the fields it reads here. */
interface PluginEvent {
  event: string;
  id: number;
  count: number;
  claimed: number[];
  invocations: number;
  options: Record<string, string>;
  device: { path: string };
}

/** The plugin's observations so far, optionally of one event kind. */
function events(log: string, kind?: string): PluginEvent[] {
  if (!fs.existsSync(log)) return [];
  const all = fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  return kind ? all.filter((e) => e.event === kind) : all;
}

/** Runs add.tflite with its fixture inputs and returns the output (a copy). */
function runAdd(it: Interpreter) {
  return it.run(addInputs()).Identity;
}

/**
 * The process warnings `fn` emits, as { message, code }. Inside jest, process is a sandbox copy on which the 'warning'
 * event never fires, so this watches emitWarning; the 'warning' event itself is checked in a child process below.
 */
function warningsDuring(fn: () => void) {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  try {
    fn();
    return spy.mock.calls.map(([message, options]) => ({ message: String(message), code: options && options.code }));
  } finally {
    spy.mockRestore();
  }
}

describe('an external delegate plugin (test/plugins/add_delegate.cc)', () => {
  test('the plugin receives every option, as strings', () => {
    const log = newLog();
    const delegate = loadDelegate(ADD_PLUGIN, { tag: 'options', log, threads: 4, fast: true });
    const [created] = events(log, 'create');
    expect(created.options).toEqual({ tag: 'options', log, threads: '4', fast: 'true' });
    expect(delegate.options).toEqual(created.options);
    expect(Object.isFrozen(delegate.options)).toBe(true);
    expect(delegate.libraryPath).toBe(ADD_PLUGIN);
    delegate.dispose();
  });

  test("its kernel computes add.tflite (XNNPACK off): one ADD node taken, the plugin's kernel counted", () => {
    const log = newLog();
    const delegate = loadDelegate(ADD_PLUGIN, { log });
    const it = new Interpreter(fixture('add.tflite'), { delegates: [delegate], xnnpack: false });
    expect(events(log, 'prepare').map((e) => e.claimed)).toEqual([[0]]);
    expect(it.delegates).toEqual([{ name: 'delegates[0]', applied: true, nodes: 1 }]);
    expect(it.executionPlan).toEqual([{ op: 'TestAddDelegate', delegate: 'delegates[0]', nodes: 1 }]);
    it.allocateTensors();
    expect(events(log, 'invoke')).toHaveLength(0);
    expectValues(runAdd(it), addOutput());
    expectValues(runAdd(it), addOutput());
    expect(events(log, 'invoke').map((e) => e.count)).toEqual([1, 2]);
    it.dispose();
    delegate.dispose();
  });

  test('with XNNPACK on, the delegate takes its nodes first and XNNPACK takes what remains', () => {
    const log = newLog();
    const delegate = loadDelegate(ADD_PLUGIN, { log });
    // add.tflite: the delegate takes the only node, XNNPACK gets none.
    const single = new Interpreter(fixture('add.tflite'), { delegates: [delegate] });
    expect(single.delegates).toEqual([
      { name: 'delegates[0]', applied: true, nodes: 1 },
      { name: 'xnnpack', applied: true, nodes: 0 },
    ]);
    single.allocateTensors();
    expectValues(runAdd(single), addOutput());
    single.dispose();

    // add_mul.tflite: (a + b) * c. ADD goes to the plugin, MUL to XNNPACK.
    const it = new Interpreter(fixture('add_mul.tflite'), { delegates: [delegate] });
    expect(it.delegates).toEqual([
      { name: 'delegates[0]', applied: true, nodes: 1 },
      { name: 'xnnpack', applied: true, nodes: 1 },
    ]);
    expect(it.executionPlan).toEqual([
      { op: 'TestAddDelegate', delegate: 'delegates[0]', nodes: 1 },
      { op: 'TfLiteXNNPackDelegate', delegate: 'xnnpack', nodes: 1 },
    ]);
    it.allocateTensors();
    const a = Float32Array.of(1.5, -2.25, 3, 0.125);
    const b = Float32Array.of(0.5, 0.25, -4, 1000);
    const c = Float32Array.of(2, -3, 0.5, 1e-3);
    const want = a.map((x, i) => Math.fround(Math.fround(x + b[i]) * c[i]));
    expectValues(it.run({ a, b, c }).Identity, want);
    expect(events(log, 'invoke').map((e) => e.count)).toEqual([1, 2]);
    it.dispose();
    delegate.dispose();
  });

  test('after resizeInput, TFLite prepares the delegate again and its kernel handles the new shape', () => {
    const log = newLog();
    const delegate = loadDelegate(ADD_PLUGIN, { log });
    const it = new Interpreter(fixture('add.tflite'), { delegates: [delegate], xnnpack: false });
    it.resizeInput('a', [3, 4]);
    it.resizeInput('b', [3, 4]);
    it.allocateTensors();
    expect(events(log, 'prepare').length).toBeGreaterThanOrEqual(2);
    const a = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
    const b = Float32Array.from({ length: 12 }, (_, i) => i * 0.25);
    const out = it.run({ a, b }).Identity;
    expect(it.output(0).shape).toEqual([3, 4]);
    expectValues(out, a.map((x, i) => Math.fround(x + b[i])));
    expect(events(log, 'invoke')).toHaveLength(1);
    it.dispose();
    delegate.dispose();
  });

  test('a failing kernel invoke is ERR_TFLITE_INVOKE with its message, sync and async', async () => {
    const delegate = loadDelegate(ADD_PLUGIN, { mode: 'fail-invoke', tag: 'inv' });
    const it = new Interpreter(fixture('add.tflite'), { delegates: [delegate], xnnpack: false });
    it.allocateTensors();
    const error = caught(() => it.invoke());
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.code).toBe('ERR_TFLITE_INVOKE');
    expect(error.message).toContain('invoke failed on purpose (mode=fail-invoke, tag=inv)');
    await expect(it.invokeAsync()).rejects.toMatchObject({
      code: 'ERR_TFLITE_INVOKE',
      message: expect.stringContaining('mode=fail-invoke'),
    });
    it.dispose();
    delegate.dispose();
  });
});

describe('delegate errors', () => {
  test("a plugin that refuses to create: ERR_TFLITE_DELEGATE naming the library and the plugin's message", () => {
    const log = newLog();
    const error = caught(() => loadDelegate(ADD_PLUGIN, { mode: 'fail-create', tag: 'nope', log }));
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.code).toBe('ERR_TFLITE_DELEGATE');
    expect(error.message).toContain(ADD_PLUGIN);
    expect(error.message).toContain('add_delegate: refusing to create a delegate (mode=fail-create, tag=nope)');
    expect(events(log).map((e) => e.event)).toEqual(['create-failed']);
  });

  test("a delegate that fails to prepare, without fallback: ERR_TFLITE_DELEGATE with the plugin's message", () => {
    const log = newLog();
    const delegate = loadDelegate(ADD_PLUGIN, { mode: 'fail-prepare', tag: 'prep', log });
    const error = caught(() => new Interpreter(fixture('add.tflite'), { delegates: [delegate] }));
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.code).toBe('ERR_TFLITE_DELEGATE');
    expect(error.message).toContain('add_delegate: prepare failed on purpose (mode=fail-prepare, tag=prep)');
    expect(error.message).toContain(ADD_PLUGIN);
    // The failed interpreter let go of its share: disposing the delegate destroys it now.
    expect(events(log, 'destroy')).toHaveLength(0);
    delegate.dispose();
    expect(events(log, 'destroy')).toHaveLength(1);
  });

  test("delegateFallback 'cpu': the model runs on the CPU, correctly, with a TFLITE_DELEGATE_FALLBACK warning", () => {
    const log = newLog();
    const failing = loadDelegate(ADD_PLUGIN, { mode: 'fail-prepare', tag: 'fallback', log });
    let it!: Interpreter;
    const warnings = warningsDuring(() => {
      it = new Interpreter(fixture('add.tflite'), { delegates: [failing], delegateFallback: 'cpu', xnnpack: false });
    });
    const fallbacks = warnings.filter((w) => w.code === 'TFLITE_DELEGATE_FALLBACK');
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0].message).toContain('delegates[0]');
    expect(fallbacks[0].message).toContain('prepare failed on purpose (mode=fail-prepare, tag=fallback)');
    const [report] = it.delegates;
    expect(report).toMatchObject({ name: 'delegates[0]', applied: false, nodes: 0 });
    expect(report.error).toContain('mode=fail-prepare');
    expect(it.executionPlan).toEqual([{ op: 'ADD', delegate: null, nodes: 0 }]);
    it.allocateTensors();
    expectValues(runAdd(it), addOutput());
    it.dispose();
    failing.dispose();
  });

  test("the fallback warning arrives as a process 'warning' event (in a plain Node process)", () => {
    const script = `
      const [dist, plugin, model, inputs] = process.argv.slice(1);
      const { Interpreter, loadDelegate } = require(dist);
      const seen = [];
      process.on('warning', (w) => seen.push({ name: w.name, code: w.code, message: w.message }));
      const it = new Interpreter(model, {
        delegates: [loadDelegate(plugin, { mode: 'fail-prepare', tag: 'child' })], delegateFallback: 'cpu' });
      it.allocateTensors();
      const out = it.run(JSON.parse(inputs).map((v) => Float32Array.from(v))).Identity;
      setImmediate(() => console.log(JSON.stringify({ seen, out: Array.from(out) })));`;
    const inputs = JSON.stringify(ADD.inputs.map((d) => d.value));
    const stdout = execFileSync(process.execPath,
      ['-e', script, path.join(__dirname, '..', 'dist', 'cjs'), ADD_PLUGIN, fixture('add.tflite'), inputs],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const { seen, out } = JSON.parse(stdout);
    expect(seen).toEqual([{ name: 'Warning', code: 'TFLITE_DELEGATE_FALLBACK', message: expect.stringContaining('mode=fail-prepare, tag=child') }]);
    expectValues(out, addOutput());
  });

  test('a delegate that fails after one that applied: the first keeps its nodes (TFLite undoes both)', () => {
    const log = newLog();
    const good = loadDelegate(ADD_PLUGIN, { tag: 'good', log });
    const failing = loadDelegate(ADD_PLUGIN, { mode: 'fail-prepare', tag: 'bad' });
    let it!: Interpreter;
    const warnings = warningsDuring(() => {
      it = new Interpreter(fixture('add.tflite'), { delegates: [good, failing], delegateFallback: 'cpu' });
    });
    expect(warnings.filter((w) => w.code === 'TFLITE_DELEGATE_FALLBACK').map((w) => w.message))
      .toEqual([expect.stringContaining('delegates[1]')]);
    expect(it.delegates.map(({ name, applied, nodes }) => ({ name, applied, nodes }))).toEqual([
      { name: 'delegates[0]', applied: true, nodes: 1 },
      { name: 'delegates[1]', applied: false, nodes: 0 },
      { name: 'xnnpack', applied: true, nodes: 0 },
    ]);
    expect(it.executionPlan).toEqual([{ op: 'TestAddDelegate', delegate: 'delegates[0]', nodes: 1 }]);
    it.allocateTensors();
    expectValues(runAdd(it), addOutput());
    expect(events(log, 'invoke')).toHaveLength(1);
    it.dispose();
    good.dispose();
    failing.dispose();
  });

  test('a library that does not exist: ERR_TFLITE_DELEGATE naming the path', () => {
    const missing = path.join(work, 'no-such-dir', 'libmissing_delegate.so');
    const error = caught(() => loadDelegate(missing));
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.code).toBe('ERR_TFLITE_DELEGATE');
    expect(error.message).toContain(`cannot load delegate library '${missing}'`);
  });

  test('a library without the plugin symbols: ERR_TFLITE_DELEGATE naming the missing symbol', () => {
    const libm = caught(() => loadDelegate('libm.so.6'));
    expect(libm.code).toBe('ERR_TFLITE_DELEGATE');
    expect(libm.message).toContain("'libm.so.6' does not export tflite_plugin_create_delegate");
    const half = caught(() => loadDelegate(HALF_PLUGIN));
    expect(half.code).toBe('ERR_TFLITE_DELEGATE');
    expect(half.message).toContain(`'${HALF_PLUGIN}' does not export tflite_plugin_destroy_delegate`);
  });

  test('bad arguments are ERR_TFLITE_DELEGATE before anything is loaded', () => {
    expect(caught(() => loadDelegate('')).code).toBe('ERR_TFLITE_DELEGATE');
    expect(caught(() => loadDelegate(ADD_PLUGIN, { nested: wrongType({}) })).message).toContain("option 'nested'");
    expect(caught(() => new Interpreter(fixture('add.tflite'), { delegates: [wrongType(ADD_PLUGIN)] })).code)
      .toBe('ERR_TFLITE_DELEGATE');
    expect(caught(() => new Interpreter(fixture('add.tflite'), { delegateFallback: wrongType('maybe') })).code)
      .toBe('ERR_TFLITE_DELEGATE');
  });
});

describe('delegate lifetime', () => {
  test('one delegate serves two interpreters', () => {
    const log = newLog();
    const delegate = loadDelegate(ADD_PLUGIN, { log });
    const first = new Interpreter(fixture('add.tflite'), { delegates: [delegate], xnnpack: false });
    const second = new Interpreter(fixture('add.tflite'), { delegates: [delegate] });
    first.allocateTensors();
    second.allocateTensors();
    expectValues(runAdd(first), addOutput());
    const b = Float32Array.of(1, 2, 3, 4);
    expectValues(second.run({ a: addInputs()[0], b }).Identity, addInputs()[0].map((x, i) => Math.fround(x + b[i])));
    const [created] = events(log, 'create');
    expect(events(log, 'prepare').map((e) => e.id)).toEqual([created.id, created.id]);
    expect(events(log, 'invoke').map((e) => e.count)).toEqual([1, 2]);
    first.dispose();
    expectValues(runAdd(second), addOutput());
    second.dispose();
    expect(events(log, 'destroy')).toHaveLength(0);
    delegate.dispose();
    expect(events(log, 'destroy')).toEqual([{ event: 'destroy', id: created.id, invocations: 3 }]);
  });

  test('dispose() while an interpreter uses the delegate: it keeps working; the plugin destroys it after', () => {
    const log = newLog();
    const delegate = loadDelegate(ADD_PLUGIN, { log });
    const it = new Interpreter(fixture('add.tflite'), { delegates: [delegate], xnnpack: false });
    it.allocateTensors();
    delegate.dispose();
    delegate.dispose(); // idempotent
    expect(delegate.disposed).toBe(true);
    expect(caught(() => new Interpreter(fixture('add.tflite'), { delegates: [delegate] })).code)
      .toBe('ERR_TFLITE_DISPOSED');
    expectValues(runAdd(it), addOutput());
    expect(events(log, 'destroy')).toHaveLength(0);
    it.dispose();
    expect(events(log).map((e) => e.event)).toEqual(['create', 'init', 'prepare', 'invoke', 'destroy']);
  });
});

// ---- Edge TPU ---------------------------------------------------------------------------------------------------

const USB_A = '/sys/bus/usb/devices/2-1';
const PCI_0 = '/dev/apex_0';
const USB_B = '/sys/bus/usb/devices/4-2';
const DEVICES = `usb:${USB_A},pci:${PCI_0},usb:${USB_B}`;

/** 3x3 determinant, what the fake Edge TPU kernel computes for edgetpu_custom_op.tflite. */
const det3 = (m: ArrayLike<number>) => m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
  m[2] * (m[3] * m[7] - m[4] * m[6]);

describe('Edge TPU (a fake libedgetpu: test/plugins/fake_edgetpu.cc)', () => {
  // The fake reads fake_edgetpu.conf beside itself (jest's process.env never reaches native code), so each run gets
  // its own copy of the library, in its own folder.
  let library: string;
  let log: string;
  const savedLibrary = process.env.TFLITE_EDGETPU_LIBRARY;
  const configure = (settings: Record<string, string>) => {
    const lines = Object.entries({ log, devices: DEVICES, ...settings }).map(([key, value]) => `${key}=${value}`);
    fs.writeFileSync(path.join(path.dirname(library), 'fake_edgetpu.conf'), `${lines.join('\n')}\n`);
  };

  beforeAll(() => {
    fs.mkdirSync(path.join(work, 'edgetpu'));
    library = path.join(work, 'edgetpu', 'libedgetpu.so.1');
    fs.copyFileSync(FAKE_EDGETPU, library);
    process.env.TFLITE_EDGETPU_LIBRARY = library;
  });
  beforeEach(() => {
    log = newLog();
    configure({});
  });
  afterAll(() => {
    if (savedLibrary === undefined) delete process.env.TFLITE_EDGETPU_LIBRARY;
    else process.env.TFLITE_EDGETPU_LIBRARY = savedLibrary;
  });

  test('listEdgeTpus() reports the devices libedgetpu enumerates, with type and path', () => {
    expect(listEdgeTpus()).toEqual([
      { type: 'usb', path: USB_A },
      { type: 'pci', path: PCI_0 },
      { type: 'usb', path: USB_B },
    ]);
    configure({ devices: `pci:${PCI_0}` });
    expect(listEdgeTpus(library)).toEqual([{ type: 'pci', path: PCI_0 }]);
    configure({ devices: '' });
    expect(listEdgeTpus()).toEqual([]);
  });

  test('without libedgetpu: listEdgeTpus() is [] and edgeTpuVersion() null', () => {
    const absent = path.join(work, 'nowhere', 'libedgetpu.so.1');
    expect(listEdgeTpus(absent)).toEqual([]);
    expect(edgeTpuVersion(absent)).toBeNull();
    process.env.TFLITE_EDGETPU_LIBRARY = absent;
    try {
      expect(listEdgeTpus()).toEqual([]);
      expect(edgeTpuVersion()).toBeNull();
      const error = caught(() => loadEdgeTpuDelegate());
      expect(error.code).toBe('ERR_TFLITE_DELEGATE');
      expect(error.message).toContain(`Edge TPU library not found: ${absent}`);
    } finally {
      process.env.TFLITE_EDGETPU_LIBRARY = library;
    }
  });

  test("edgeTpuVersion() is libedgetpu's edgetpu_version()", () => {
    configure({ version: 'BuildLabel(test 1234), RuntimeVersion(14)' });
    expect(edgeTpuVersion()).toBe('BuildLabel(test 1234), RuntimeVersion(14)');
  });

  test.each([
    [undefined, undefined, USB_A],
    ['usb', 'usb', USB_A],
    ['pci', 'pci', PCI_0],
    ['usb:0', 'usb:0', USB_A],
    ['usb:1', 'usb:1', USB_B],
    ['pci:0', 'pci:0', PCI_0],
    [':1', ':1', PCI_0],
    [':2', ':2', USB_B],
    [PCI_0, ':1', PCI_0], // libedgetpu takes no paths: the path becomes its enumeration index
    [USB_B, ':2', USB_B],
  ])('loadEdgeTpuDelegate({ device: %p }) passes device %p and libedgetpu opens %s', (device, passed, opened) => {
    const delegate = loadEdgeTpuDelegate({ device, options: { Performance: 'Max' } });
    const [created] = events(log, 'create');
    expect(created.options).toEqual({ Performance: 'Max', ...(passed === undefined ? {} : { device: passed }) });
    expect(created.device.path).toBe(opened);
    delegate.dispose();
    expect(events(log, 'destroy')).toHaveLength(1);
  });

  test('a device libedgetpu does not have: ERR_TFLITE_DELEGATE listing the devices it sees', () => {
    const error = caught(() => loadEdgeTpuDelegate({ device: 'pci:1' }));
    expect(error.code).toBe('ERR_TFLITE_DELEGATE');
    expect(error.message).toContain("could not open an Edge TPU for device 'pci:1'");
    expect(error.message).toContain(`:0 usb ${USB_A}, :1 pci ${PCI_0}, :2 usb ${USB_B}`);
    expect(events(log).map((e) => e.event)).toEqual(['create-failed']);

    configure({ devices: '' });
    expect(caught(() => loadEdgeTpuDelegate()).message).toContain('could not open an Edge TPU for any device; devices it sees: none');

    const byPath = caught(() => loadEdgeTpuDelegate({ device: '/dev/apex_7' }));
    expect(byPath.code).toBe('ERR_TFLITE_DELEGATE');
    expect(byPath.message).toContain("no Edge TPU at '/dev/apex_7'");
  });

  test.each(['', 'USB', 'usb0', 'usb:', 'usb:-1', 'usb:x', 'pci:1:2', 'tpu', 'dev/apex_0', wrongType(5)])(
    'device %p is rejected before libedgetpu is asked', (device) => {
      const error = caught(() => loadEdgeTpuDelegate({ device }));
      expect(error).toBeInstanceOf(TfLiteError);
      expect(error.code).toBe('ERR_TFLITE_DELEGATE');
      expect(error.message).toContain("use 'usb', 'pci', 'usb:N', 'pci:N', ':N' or a device path");
      expect(events(log)).toEqual([]);
    });

  test('an Edge TPU model without the delegate: ERR_TFLITE_ALLOCATE saying it needs the Edge TPU delegate', () => {
    const model = fixture('edgetpu_custom_op.tflite');
    const cases: InterpreterOptions[] = [
      { xnnpack: true },
      { xnnpack: false },
      // a static-shape delegate before it cannot be applied to a model with an unresolved op
      { delegates: [loadDelegate(ADD_PLUGIN)] },
    ];
    for (const options of cases) {
      const error = caught(() => new Interpreter(model, options).allocateTensors());
      expect(error).toBeInstanceOf(TfLiteError);
      expect(error.code).toBe('ERR_TFLITE_ALLOCATE');
      expect(error.message).toContain('Encountered unresolved custom op: edgetpu-custom-op');
      expect(error.message).toContain('compiled for the Coral Edge TPU');
      expect(error.message).toContain('loadEdgeTpuDelegate()');
    }
    cases[2]!.delegates![0]!.dispose();
  });

  test('an Edge TPU model with the delegate: its op runs on the (fake) TPU kernel', () => {
    const delegate = loadEdgeTpuDelegate({ device: 'usb:1' });
    const it = new Interpreter(fixture('edgetpu_custom_op.tflite'), { delegates: [delegate] });
    expect(it.delegates).toEqual([
      { name: 'delegates[0]', applied: true, nodes: 1 },
      { name: 'xnnpack', applied: true, nodes: 0 },
    ]);
    expect(it.executionPlan).toEqual([{ op: 'EdgeTpuDelegateForCustomOp', delegate: 'delegates[0]', nodes: 1 }]);
    it.allocateTensors();
    const x = Float32Array.of(2, -1, 0.5, 3, 4, -2, 1, 0.25, 5);
    const [out] = Object.values(it.run({ x }));
    expect(out[0]).toBeCloseTo(det3(x), 4);
    expect(events(log, 'invoke')).toHaveLength(1);
    expect(events(log, 'create')[0].device.path).toBe(USB_B);
    it.dispose();
    delegate.dispose();
  });

  test('a libedgetpu built for another TensorFlow: ERR_TFLITE_DELEGATE explaining the version coupling', () => {
    const libedgetpuVersion = 'BuildLabel(mismatch test), RuntimeVersion(13)';
    configure({ version: libedgetpuVersion, prepare_error: 'Unsupported data type in custom op handler: 0' });
    const delegate = loadEdgeTpuDelegate();
    for (const xnnpack of [false, true]) {
      const error = caught(() => new Interpreter(fixture('edgetpu_custom_op.tflite'), { delegates: [delegate], xnnpack })
        .allocateTensors());
      expect(error).toBeInstanceOf(TfLiteError);
      expect(error.code).toBe('ERR_TFLITE_DELEGATE');
      expect(error.message).toContain('Unsupported data type in custom op handler: 0');
      expect(error.message).toContain("libedgetpu reads TFLite's C structs directly");
      expect(error.message).toContain(`TFLite ${version.tflite}`);
      expect(error.message).toContain(`Loaded libedgetpu: ${libedgetpuVersion}`);
    }
    delegate.dispose();
  });

  test('a model compiled for a newer Edge TPU runtime: ERR_TFLITE_DELEGATE saying to update or recompile', () => {
    configure({ prepare_error: 'Failed precondition: Package requires runtime version (14), which is newer than ' +
      'this runtime version (13).' });
    const delegate = loadEdgeTpuDelegate();
    const error = caught(() => new Interpreter(fixture('edgetpu_custom_op.tflite'), { delegates: [delegate] })
      .allocateTensors());
    expect(error.code).toBe('ERR_TFLITE_DELEGATE');
    expect(error.message).toContain('Package requires runtime version (14)');
    expect(error.message).toContain('edgetpu_compiler --min_runtime_version');
    expect(error.message).not.toContain("reads TFLite's C structs");
    delegate.dispose();
  });
});

describe('examples/edgetpu.ts', () => {
  let library: string;
  beforeAll(() => {
    fs.mkdirSync(path.join(work, 'example-edgetpu'));
    library = path.join(work, 'example-edgetpu', 'libedgetpu.so.1');
    fs.copyFileSync(FAKE_EDGETPU, library);
  });
  const writeConfig = (settings: Record<string, string>) => fs.writeFileSync(path.join(path.dirname(library), 'fake_edgetpu.conf'),
    Object.entries(settings).map(([key, value]) => `${key}=${value}\n`).join(''));

  function runExample(args: string[], edgetpuLibrary: string) {
    const env = { ...process.env, TFLITE_EDGETPU_LIBRARY: edgetpuLibrary };
    return spawnSync(process.execPath, [EXAMPLE, ...args], { env, encoding: 'utf8', timeout: 20000 });
  }
  /** What examples/edgetpu.ts --json prints. */
  interface ExampleReport {
    devices: EdgeTpuDevice[];
    libedgetpu: string | null;
    ranOn: 'cpu' | 'edgetpu';
    model: string;
    inputs: Record<string, number[]>;
    outputs: Record<string, number[]>;
    delegates: DelegateInfo[];
    executionPlan: PlannedOp[];
  }
  const report = (result: ReturnType<typeof runExample>): ExampleReport => {
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout);
  };

  test('without libedgetpu it runs the default model on the CPU', () => {
    const result = report(runExample(['--json'], path.join(work, 'nowhere', 'libedgetpu.so.1')));
    expect(result).toMatchObject({ devices: [], libedgetpu: null, ranOn: 'cpu' });
    expect(result.model).toBe(fixture('add.tflite'));
    const { a, b } = result.inputs;
    expectValues(result.outputs.Identity, a.map((x, i) => Math.fround(x + b[i])));
    expect(result.delegates.map((d) => d.name)).toEqual(['xnnpack']);
  });

  test('with a (fake) Edge TPU it loads the delegate and runs the compiled op there', () => {
    const log = newLog();
    writeConfig({ devices: `usb:${USB_A}`, log });
    const result = report(runExample([fixture('edgetpu_custom_op.tflite'), '--json'], library));
    expect(result.devices).toEqual([{ type: 'usb', path: USB_A }]);
    expect(result.ranOn).toBe('edgetpu');
    expect(result.executionPlan).toEqual([{ op: 'EdgeTpuDelegateForCustomOp', delegate: 'delegates[0]', nodes: 1 }]);
    expect(result.outputs.Identity[0]).toBeCloseTo(det3(result.inputs.x), 4);
    expect(events(log).map((e) => e.event)).toEqual(['create', 'prepare', 'invoke', 'destroy']);

    // A CPU model with the TPU present: the delegate is applied but has nothing to take.
    const cpu = report(runExample(['--json', '--device', 'usb:0'], library));
    expect(cpu.ranOn).toBe('cpu');
    expect(cpu.delegates[0]).toEqual({ name: 'delegates[0]', applied: true, nodes: 0 });
  });

  test('an Edge TPU model without libedgetpu fails with the explanation, exit code 1', () => {
    const result = runExample([fixture('edgetpu_custom_op.tflite')], path.join(work, 'nowhere', 'libedgetpu.so.1'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ERR_TFLITE_ALLOCATE');
    expect(result.stderr).toContain('compiled for the Coral Edge TPU');
  });

  test('prose output names where it ran', () => {
    const output = execFileSync(process.execPath, [EXAMPLE],
      { env: { ...process.env, TFLITE_EDGETPU_LIBRARY: path.join(work, 'nowhere.so') }, encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'] });
    expect(output).toContain('Edge TPUs: none');
    expect(output).toMatch(/Ran on the CPU in [\d.]+ ms/);
  });
});
