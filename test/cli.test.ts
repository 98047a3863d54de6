// The CLI (package.json `bin`: bin/tflite-runtime.js, which starts dist/cjs/cli/) as a user runs it: a child process, its
// stdout, stderr and exit code.
import { spawnSync, execFileSync, type SpawnSyncOptionsWithStringEncoding } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import packageJson from '../package.json';
import { Interpreter, type DelegateInfo, type PlannedOp } from '..';
import { fixture, expected, sharpLoads, type ExpectedTensor } from './helpers';

const CLI = path.join(__dirname, '..', 'bin', 'tflite-runtime.js');
const IMAGE = path.join(__dirname, '..', 'examples', 'assets', 'airplane.jpg');
const CIFAR = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

function cli(args: string[], options: SpawnSyncOptionsWithStringEncoding | object = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30000, ...options });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI's --json output. It has no published type: its fields are the contract these tests check one by one. */
function json(args: string[]): any {
  const result = cli([...args, '--json']);
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-cli-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const temp = (name: string, contents: string | Uint8Array) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, contents);
  return file;
};

/** A .npy file written by hand (format 1.0), independent of the CLI's reader. */
function npy(descr: string, shape: number[], typed: ArrayBufferView) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const preamble = Buffer.alloc(10);
  preamble.write('\x93NUMPY', 0, 'latin1');
  preamble[6] = 1;
  preamble.writeUInt16LE(header.length, 8);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength)]);
}

/** The details the CLI prints for a tensor are Python's get_input_details() ones, as in expected.json. */
const details = (list: ExpectedTensor[]) => list.map(({ value: _value, ...rest }) => rest);

describe('tflite-runtime (no command)', () => {
  test('prints usage to stderr and exits 2', () => {
    const r = cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: tflite-runtime');
    expect(r.stdout).toBe('');
  });

  test('--help lists the commands and exits 0', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['inspect', 'run', 'bench']) expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(r.stdout).toContain('Exit codes: 0 ok, 1');
  });

  test.each(['inspect', 'run', 'bench'])('%s --help exits 0 with its options', (command) => {
    const r = cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: tflite-runtime ${command} [options] <model>`);
    expect(r.stdout).toContain('--json');
    expect(r.stdout).toContain('--delegate <path>');
    expect(cli(['help', command]).stdout).toBe(r.stdout);
  });

  test('--version prints the package version', () => {
    const r = cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(packageJson.version);
  });

  test('an unknown command or option is a usage error (exit 2)', () => {
    const unknown = cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const option = cli(['inspect', fixture('add.tflite'), '--frob']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--frob'");
    expect(cli(['inspect']).code).toBe(2);
  });
});

describe('inspect', () => {
  test.each(['add.tflite', 'convnet.tflite', 'quant_int8.tflite', 'dynamic_batch.tflite', 'signatures.tflite',
    'dtypes_int64.tflite', 'dtypes_string.tflite'])('%s --json: details, tensor count and runtime version as expected.json', (name) => {
    const want = expected[name];
    const got = json(['inspect', fixture(name)]);
    expect(got.inputs).toEqual(details(want.inputs));
    expect(got.outputs).toEqual(details(want.outputs));
    expect(got.tensorCount).toBe(want.tensorCount);
    expect(got.metadata.minRuntimeVersion).toBe(want.minRuntimeVersion);
    expect(got.tflite).toBe('2.14.1');
    expect(got.sizeBytes).toBe(fs.statSync(fixture(name)).size);
    // Every op the model's operator table lists is used by subgraph 0 in these models (signatures: ADD only).
    const ops = got.ops.byType.map((o: { op: string }) => o.op).sort();
    if (name !== 'signatures.tflite') expect(ops).toEqual(want.ops.map((o) => o.op).sort());
  });

  test('op counts by type: convnet has 7 nodes, CONV_2D twice', () => {
    const got = json(['inspect', fixture('convnet.tflite'), '--xnnpack', 'off']);
    expect(got.ops.nodes).toBe(7);
    expect(got.ops.byType[0]).toEqual({ op: 'CONV_2D', count: 2 });
    expect(got.ops.byType.reduce((sum: number, o: { count: number }) => sum + o.count, 0)).toBe(7);
    expect(got.placement).toBeNull();
  });

  test('placement: XNNPACK takes all 7 convnet nodes and the per-channel FULLY_CONNECTED of quant_int8 (patch 0008)', () => {
    const conv = json(['inspect', fixture('convnet.tflite')]).placement;
    expect(conv.delegates).toEqual([{ name: 'xnnpack', applied: true, nodes: 7 }]);
    expect(conv.byType.every((o: { cpu: number; delegated: number; count: number }) => o.cpu === 0 && o.delegated === o.count)).toBe(true);
    expect(conv.plan).toEqual([{ op: 'TfLiteXNNPackDelegate', delegate: 'xnnpack', nodes: 7 }]);
    const quant = json(['inspect', fixture('quant_int8.tflite')]).placement;
    expect(quant.byType).toEqual([{ op: 'FULLY_CONNECTED', count: 1, cpu: 0, delegated: 1 }]);
  });

  test('human output: tables, signatures and placement', () => {
    const r = cli(['inspect', fixture('signatures.tflite')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}0 {2}add_y:0 {2}float32 {2}\[1,2\] {2}\[1,2\] {6}-$/m);
    expect(r.stdout).toMatch(/^ {4}out {2}product {2}PartitionedCall_1:0 {2}float32 {2}\[1,2\] {2}\[1,2\]$/m);
    const conv = cli(['inspect', fixture('convnet.tflite')]).stdout;
    expect(conv).toMatch(/^ {2}CONV_2D +2 +0 +2$/m);
    expect(conv).toMatch(/^ {2}xnnpack +applied +7 of 7 nodes$/m);
  });

  test('signatures with their named inputs and outputs', () => {
    const got = json(['inspect', fixture('signatures.tflite')]).signatures;
    expect(Object.keys(got)).toEqual(['add', 'mul']);
    for (const [key, want] of Object.entries(expected['signatures.tflite'].signatures)) {
      expect(got[key].inputs.map((t: { name: string }) => t.name)).toEqual(want.inputs);
      expect(got[key].outputs.map((t: { name: string }) => t.name)).toEqual(want.outputs);
    }
    expect(got.mul.outputs[0]).toEqual({ name: 'product', tensor: 'PartitionedCall_1:0', dtype: 'float32', shape: [1, 2], shapeSignature: [1, 2] });
  });

  test('TFLite metadata: description, normalisation, associated files and labels', () => {
    const got = json(['inspect', fixture('convnet_metadata.tflite')]);
    expect(got.labels).toEqual(CIFAR);
    expect(got.metadata.entries).toEqual(['min_runtime_version', 'CONVERSION_METADATA', 'TFLITE_METADATA']);
    expect(got.metadata.tflite.name).toBe('CIFAR-10 pipeline demo');
    expect(got.metadata.tflite.inputs[0].normalization).toEqual({ mean: [127.5], std: [127.5] });
    expect(got.metadata.files).toEqual([
      { name: 'labels.txt', bytes: CIFAR.join('\n').length + 1 },
      { name: 'labels_fr.txt', bytes: 72 },
    ]);
    const human = cli(['inspect', fixture('convnet_metadata.tflite')]).stdout;
    expect(human).toContain('labels (10, from model metadata): airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck');
    expect(human).toContain('input 0 image: RGB image, 32x32; normalise (x - 127.5) / 127.5');
    expect(json(['inspect', fixture('add.tflite')]).labels).toBeNull();
  });

  test('--labels FILE replaces the model labels', () => {
    const labels = temp('labels.txt', 'zero\none\r\ntwo\n');
    expect(json(['inspect', fixture('convnet_metadata.tflite'), '--labels', labels]).labels).toEqual(['zero', 'one', 'two']);
    const missing = cli(['inspect', fixture('add.tflite'), '--labels', path.join(tmp, 'nope.txt')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('labels file not found');
  });

  test('a model that cannot allocate is still described (exit 0), with the reason', () => {
    const got = json(['inspect', fixture('custom_op.tflite'), '--xnnpack', 'off']);
    expect(got.allocation).toMatchObject({ ok: false, code: 'ERR_TFLITE_ALLOCATE' });
    expect(got.allocation.error).toContain('MatrixDeterminant');
    expect(got.ops.byType).toEqual([{ op: 'MatrixDeterminant', count: 1 }]);
    expect(cli(['inspect', fixture('custom_op.tflite')]).stdout).toContain('Warning    the model does not allocate: Encountered unresolved custom op: MatrixDeterminant.');
  });

  test('errors: missing file, not a model, bad options, missing delegate', () => {
    const missing = cli(['inspect', path.join(tmp, 'missing.tflite')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`tflite-runtime: model file not found: ${path.join(tmp, 'missing.tflite')}\n`);
    const garbage = cli(['inspect', temp('garbage.tflite', 'this is not a flatbuffer, just some text')]);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/^tflite-runtime: \[ERR_TFLITE_MODEL_INVALID\] /);
    const threads = cli(['inspect', fixture('add.tflite'), '--threads', '0']);
    expect(threads.code).toBe(2);
    expect(threads.stderr).toContain("option '-t, --threads <n>' argument '0' is invalid");
    expect(cli(['inspect', fixture('add.tflite'), '--xnnpack', 'maybe']).code).toBe(2);
    const delegate = cli(['inspect', fixture('add.tflite'), '--delegate', path.join(tmp, 'libnope.so')]);
    expect(delegate.code).toBe(1);
    expect(delegate.stderr).toMatch(/^tflite-runtime: \[ERR_TFLITE_DELEGATE\] .*libnope\.so/);
  });
});

describe('run', () => {
  test('add.tflite from .npy files: outputs exactly as expected.json', () => {
    const [a, b] = expected['add.tflite'].inputs;
    const got = json(['run', fixture('add.tflite'),
      '--input', `a=${temp('a.npy', npy('<f4', [1, 4], Float32Array.from(a.value)))}`,
      '--input', `b=${temp('b.npy', npy('<f4', [1, 4], Float32Array.from(b.value)))}`]);
    expect(got.outputs.Identity).toEqual({ dtype: 'float32', shape: [1, 4], values: expected['add.tflite'].outputs[0].value });
    expect(got.inputs.a).toEqual({ source: path.join(tmp, 'a.npy'), shape: [1, 4] });
  });

  test('positional and inline JSON inputs; people get the values (no top-k for a non-classifier)', () => {
    const r = cli(['run', fixture('add.tflite'), '-i', '[[1.5,-2.25,3,0.125]]', '-i', 'b=[0.5,0.25,-4,1000]']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Identity {2}float32 \[1,4\]\n {2}\[2, -2, -1, 1000\.125\]$/m);
    expect(r.stdout).not.toContain('top');
  });

  test.each(Object.keys(expected).filter((n) => n.startsWith('dtypes_')))('%s: every dtype in and out through JSON', (name) => {
    const want = expected[name];
    const input = temp(`${name}.json`, JSON.stringify(want.inputs[0].value));
    const got = json(['run', fixture(name), '--input', input]);
    const output = got.outputs[want.outputs[0].name];
    expect(output.dtype).toBe(want.outputs[0].dtype);
    expect(output.shape).toEqual(want.outputs[0].shape);
    expect(output.values).toEqual(want.outputs[0].value);
  });

  test('convnet: values within tolerance, top 5 by score, labels from the metadata', () => {
    const want = expected['convnet.tflite'];
    const input = temp('conv.json', JSON.stringify(want.inputs[0].value));
    const got = json(['run', fixture('convnet_metadata.tflite'), '-i', input]);
    const values = got.outputs.Identity.values;
    values.forEach((v: number, i: number) => expect(Math.abs(v - want.outputs[0].value[i])).toBeLessThanOrEqual(want.tolerance));
    const order = want.outputs[0].value.map((score, index) => ({ score, index })).sort((x, y) => y.score - x.score);
    expect(got.outputs.Identity.top.map((t: { index: number }) => t.index)).toEqual(order.slice(0, 5).map((o) => o.index));
    expect(got.outputs.Identity.top.map((t: { label: string }) => t.label)).toEqual(order.slice(0, 5).map((o) => CIFAR[o.index]));
    const human = cli(['run', fixture('convnet.tflite'), '-i', input, '--top-k', '3']).stdout;
    expect(human).toMatch(/top 3:\n {2}1\. 0\.58062\d* +#8\n {2}2\. 0\.08618\d* +#0\n {2}3\. 0\.07325\d* +#6$/m);
  });

  test('a signature by its names', () => {
    const run = expected['signatures.tflite'].signatureRuns.mul;
    const got = json(['run', fixture('signatures.tflite'), '--signature', 'mul',
      '-i', `x=${JSON.stringify(run.inputs.x)}`, '-i', `y=${JSON.stringify(run.inputs.y)}`]);
    expect(got.outputs.product.values).toEqual(run.outputs.product);
    const unknown = cli(['run', fixture('signatures.tflite'), '--signature', 'div', '-i', '[1,2]', '-i', '[1,2]']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("[ERR_TFLITE_NOT_FOUND] no signature 'div'; signatures are: add, mul");
  });

  test('an input whose signature has -1 dimensions is resized to the file', () => {
    const resized = expected['dynamic_batch.tflite'].resized;
    const file = temp('batch3.npy', npy('<f4', resized.shape, Float32Array.from(resized.input)));
    const got = json(['run', fixture('dynamic_batch.tflite'), '-i', file]);
    expect(got.outputs.Identity.shape).toEqual(resized.outputShape);
    expect(got.outputs.Identity.values).toEqual(resized.output);
  });

  test('quantized int8 model from int8 .npy', () => {
    const want = expected['quant_int8.tflite'];
    const file = temp('q.npy', npy('|i1', want.inputs[0].shape, Int8Array.from(want.inputs[0].value)));
    expect(json(['run', fixture('quant_int8.tflite'), '-i', file]).outputs.Identity.values).toEqual(want.outputs[0].value);
  });

  (sharpLoads() ? test : test.skip)('an image: decoded, resized and normalised with the model metadata, as the same steps in-process', async () => {
    const got = json(['run', fixture('convnet_metadata.tflite'), '-i', IMAGE]);
    expect(got.inputs.input.note).toBe('image 32x32x3, (x - 127.5) / 127.5 (model metadata)');
    const sharp: typeof import('sharp').default = require('sharp'); // optional: loaded by the image tests only
    const pixels = await sharp(IMAGE).resize(32, 32, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    
    const it = new Interpreter(fixture('convnet.tflite'));
    it.allocateTensors();
    const out = it.run([Float32Array.from(pixels, (p) => (p - 127.5) / 127.5)]);
    it.dispose();
    expect(got.outputs.Identity.values).toEqual(Array.from(out.Identity as Float32Array)); // run(): any dtype's array in the types
    // Without metadata: [0, 1] scaling; --mean/--std override both.
    expect(json(['run', fixture('convnet.tflite'), '-i', IMAGE]).inputs.input.note).toBe('image 32x32x3, (x - 0) / 255 (default, to [0,1])');
    const flags = json(['run', fixture('convnet_metadata.tflite'), '-i', IMAGE, '--mean', '1,2,3', '--std', '4']);
    expect(flags.inputs.input.note).toBe('image 32x32x3, (x - 1|2|3) / 4 (--mean/--std)');
  });

  test('errors: which inputs, which files, which values (exit 1 or 2)', () => {
    const add = fixture('add.tflite');
    const cases: [string[], number, string][] = [
      [['run', add, '-i', '[1,2,3,4]'], 2, "no --input for 'b': the model's inputs are a, b"],
      [['run', add, '-i', 'c=[1]', '-i', '[1]'], 2, "the model has no input named 'c'; its inputs are: a, b"],
      [['run', add, '-i', 'a=[1,2,3,4]', '-i', 'a=[1,2,3,4]'], 2, "input 'a' is given twice"],
      [['run', add, '-i', '[1,2,3,4]', '-i', '[1,2,3,4]', '-i', '[1]'], 2, '3 inputs given, the model has 2'],
      [['run', add, '-i', path.join(tmp, 'nope.npy'), '-i', '[1,2,3,4]'], 1, `input file not found: ${path.join(tmp, 'nope.npy')}`],
      [['run', add, '-i', temp('x.csv', '1,2'), '-i', '[1,2,3,4]'], 2, "unknown input format '.csv'"],
      [['run', add, '-i', '[1,2,3]', '-i', '[1,2,3,4]'], 1, "holds shape [3] (3 values); input 'a' has shape [1,4]"],
      [['run', add, '-i', '[[1,2],[3]]', '-i', '[1,2,3,4]'], 1, 'the nested arrays are ragged'],
      [['run', add, '-i', '[1,2,3,"x"]', '-i', '[1,2,3,4]'], 1, 'value #3 ("x") is not a number'],
      [['run', add, '-i', temp('f64.npy', npy('<f8', [1, 4], new Float64Array(4))), '-i', '[1,2,3,4]'], 1, 'holds float64, input \'a\' is float32: save it with x.astype(np.float32)'],
      [['run', add, '-i', temp('bad.npy', 'not numpy'), '-i', '[1,2,3,4]'], 1, 'not a .npy file (bad magic)'],
      [['run', fixture('quant_int8.tflite'), '-i', '[0.5,1,2,3,4,5,6,7]'], 1, "is not a int8 integer (input 'x' is quantized with scale 0.007787281, zero point -1: give the quantized values)"],
      [['run', add, '-i', '[1,2,3,4]', '-i', '[1,2,3,4]', '--top-k', '-1'], 2, "argument '-1' is invalid"],
      [['run', fixture('quant_int8.tflite'), '-i', IMAGE], 1, sharpLoads()
        ? "input 'x' has shape [1,8]: an image input must be"
        : "reading images needs the optional package 'sharp' (npm install sharp)"],
    ];
    for (const [args, code, message] of cases) {
      const r = cli(args);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toContain(message);
    }
  });
});

describe('bench', () => {
  test('--json: runs, ordered statistics, runs/s, delegates', () => {
    const got = json(['bench', fixture('convnet.tflite'), '--runs', '7', '--warmup', '2']);
    expect(got.runs).toBe(7);
    expect(got.warmup.runs).toBe(2);
    const { min, median, p90, max, mean } = got.ms;
    expect(min).toBeGreaterThan(0);
    expect(min).toBeLessThanOrEqual(median);
    expect(median).toBeLessThanOrEqual(p90);
    expect(p90).toBeLessThanOrEqual(max);
    expect(mean).toBeGreaterThanOrEqual(min);
    expect(got.runsPerSecond).toBeCloseTo(1000 / mean, 6);
    expect(got.delegates).toEqual([{ name: 'xnnpack', applied: true, nodes: 7 }]);
    expect(got.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: [1, 32, 32, 3], source: 'random' }]);
    const off = json(['bench', fixture('convnet.tflite'), '--runs', '2', '--xnnpack', 'off', '--threads', '2', '--async']);
    expect(off.delegates).toEqual([]);
    expect(off.threads).toBe(2);
    expect(off.mode).toBe('invokeAsync');
  });

  test('human output, given inputs, every dtype of random input', () => {
    const r = cli(['bench', fixture('add.tflite'), '--runs', '3', '-i', 'a=[1,2,3,4]', '-i', 'b=[1,2,3,4]']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^runs {6}3 × invoke\(\)$/m);
    for (const label of ['median', 'p90', 'min']) expect(r.stdout).toMatch(new RegExp(`^  ${label} +\\d+\\.\\d+ ms$`, 'm'));
    expect(r.stdout).toMatch(/^ +\d+ runs\/s$/m);
    expect(r.stdout).toContain('a float32[1,4] ← [1,2,3,4]');
    for (const name of ['dtypes_string.tflite', 'dtypes_int64.tflite', 'dtypes_complex64.tflite', 'dtypes_float16.tflite']) {
      expect(cli(['bench', fixture(name), '--runs', '1', '--warmup', '0']).code).toBe(0);
    }
  });

  test('a progress bar on a terminal (stderr), none with --no-progress or without a terminal', () => {
    const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
    expect(script.status).toBe(0); // util-linux's script gives the CLI a real terminal
    const onTty = (flags: string) => execFileSync('script', ['-qec',
      `${process.execPath} ${CLI} bench ${fixture('add.tflite')} --runs 3000 --warmup 0 ${flags}`, '/dev/null'],
    { encoding: 'utf8', timeout: 30000 });
    const shown = onTty('--progress');
    expect(shown).toMatch(/bench \|.*\| \d+\/3000 runs \| [\d.]+ ms median/);
    expect(shown).toMatch(/runs {6}3000 × invoke\(\)/);
    expect(onTty('--no-progress')).not.toContain('bench |');
    expect(cli(['bench', fixture('add.tflite'), '--runs', '3000', '--progress']).stderr).not.toContain('bench |');
  });

  test('errors: bad counts are usage errors', () => {
    const zero = cli(['bench', fixture('add.tflite'), '--runs', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("option '-r, --runs <k>' argument '0' is invalid. runs must be an integer ≥ 1");
    expect(cli(['bench', fixture('add.tflite'), '--warmup', 'many']).code).toBe(2);
    expect(cli(['bench', path.join(tmp, 'none.tflite')]).code).toBe(1);
  });
});

// The test delegate plugin (test/plugins/add_delegate.cc, built by jest's globalSetup) claims float32 ADD nodes.
const PLUGIN = path.join(__dirname, '.build', 'plugins', 'libadd_delegate.so');
const withPlugin = process.env.TFLITE_TEST_SKIP_PLUGINS === '1' ? describe.skip : describe;

withPlugin('with a delegate plugin (--delegate)', () => {
  const inputs = ['-i', 'a=[1,2,3,4]', '-i', 'b=[0.5,0.5,0.5,0.5]', '-i', 'c=[2,2,2,2]'];

  test('inspect: placement by op type, the plugin first, XNNPACK after', () => {
    const got = json(['inspect', fixture('add_mul.tflite'), '--delegate', PLUGIN, '--delegate-option', 'tag=cli']).placement;
    expect(got.delegates).toEqual([
      { name: 'delegates[0]', applied: true, nodes: 1, library: PLUGIN },
      { name: 'xnnpack', applied: true, nodes: 1 },
    ]);
    expect(got.byType).toEqual([{ op: 'ADD', count: 1, cpu: 0, delegated: 1 }, { op: 'MUL', count: 1, cpu: 0, delegated: 1 }]);
    const plain = json(['inspect', fixture('add_mul.tflite'), '--delegate', PLUGIN, '--xnnpack', 'off']).placement;
    expect(plain.byType).toEqual([{ op: 'ADD', count: 1, cpu: 0, delegated: 1 }, { op: 'MUL', count: 1, cpu: 1, delegated: 0 }]);
    expect(plain.plan.map((p: PlannedOp) => p.delegate)).toEqual(['delegates[0]', null]);
  });

  test('run and bench through the plugin; a failing plugin is exit 1, or a warning with --delegate-fallback', () => {
    const got = json(['run', fixture('add_mul.tflite'), '--delegate', PLUGIN, ...inputs]);
    expect(got.outputs.Identity.values).toEqual([3, 5, 7, 9]);
    expect(json(['bench', fixture('add_mul.tflite'), '--delegate', PLUGIN, '--runs', '3']).delegates[0])
      .toEqual({ name: 'delegates[0]', applied: true, nodes: 1, library: PLUGIN });
    const failing = ['run', fixture('add_mul.tflite'), '--delegate', PLUGIN, '--delegate-option', 'mode=fail-prepare', ...inputs];
    const failed = cli(failing);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('[ERR_TFLITE_DELEGATE] add_delegate: prepare failed on purpose');
    const fallback = cli([...failing, '--delegate-fallback', '--json']);
    expect(fallback.code).toBe(0);
    expect(JSON.parse(fallback.stdout).outputs.Identity.values).toEqual([3, 5, 7, 9]);
    expect(fallback.stderr).toContain('delegates[0] was not applied, its nodes run on the CPU');
  });
});

describe('inspect output stays machine-readable', () => {
  test('inspect --json 2>&1 is one JSON document (TFLite logs nothing below warnings by default)', () => {
    const model = path.join(__dirname, 'corpus', 'models', 'testdata', 'dynamic_shapes.bin');
    const merged = execFileSync('sh', ['-c', `"${process.execPath}" "${CLI}" inspect "${model}" --json 2>&1`],
      { encoding: 'utf8', env: { ...process.env, TFLITE_RUNTIME_LOG_LEVEL: '' } });
    const report = JSON.parse(merged);
    const xnnpack = report.placement.delegates.find((d: DelegateInfo) => d.name === 'xnnpack');
    expect(xnnpack.applied).toBe(false);
    expect(xnnpack.error).toMatch(/tensor #\d+ '.*', computed by node \d+/);
  });
});
