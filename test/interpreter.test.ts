// The synchronous API: loading, every dtype, views, resize, quantization, signatures, the Python porting layer.
import fs from 'fs';
import packageJson from '../package.json';
import { Interpreter, TfLiteError, version } from '../dist/cjs';
import { fixture, expected, typed, expectValues, caught, wrongType, type ExpectedTensor } from './helpers';

const DTYPE_MODELS = Object.keys(expected).filter((f) => f.startsWith('dtypes_'));

function runFixture(file: string, interpreter: Interpreter) {
  const e = expected[file];
  // float16 inputs go in as plain numbers (typed() leaves them so; set() converts them to half precision)
  e.inputs.forEach((d, i) => interpreter.input(i).set(typed(d.dtype, d.value)));
  interpreter.invoke();
  return e;
}

describe('loading', () => {
  test('version names the TFLite library and the addon', () => {
    expect(version.tflite).toBe('2.14.1');
    expect(version.addon).toBe(packageJson.version);
  });

  test('from a path and from a Buffer give the same results', () => {
    for (const source of [fixture('add.tflite'), fs.readFileSync(fixture('add.tflite'))]) {
      const it = new Interpreter(source);
      it.allocateTensors();
      const e = runFixture('add.tflite', it);
      expectValues(it.output(0).data, typed('float32', e.outputs[0].value));
      it.dispose();
    }
  });

  test('a Buffer that is a slice of a larger ArrayBuffer honours byteOffset', () => {
    const bytes = fs.readFileSync(fixture('add.tflite'));
    const big = Buffer.alloc(bytes.length + 64, 0xff);
    bytes.copy(big, 16);
    const it = new Interpreter(big.subarray(16, 16 + bytes.length));
    it.allocateTensors();
    const e = runFixture('add.tflite', it);
    expectValues(it.output(0).get(), typed('float32', e.outputs[0].value));
  });

  test('Uint8Array and ArrayBuffer models load', () => {
    const bytes = fs.readFileSync(fixture('add.tflite'));
    const u8 = new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    expect(new Interpreter(u8).inputs).toHaveLength(2);
    expect(new Interpreter(u8.buffer).inputs).toHaveLength(2);
  });

  test('Interpreter.create reads the file asynchronously', async () => {
    const it = await Interpreter.create(fixture('add.tflite'), { threads: 1 });
    it.allocateTensors();
    const e = runFixture('add.tflite', it);
    expectValues(it.output(0).get(), typed('float32', e.outputs[0].value));
    await expect(Interpreter.create(fixture('nope.tflite'))).rejects.toMatchObject({ code: 'ERR_TFLITE_NOT_FOUND' });
  });

  test.each([
    ['a missing file', () => new Interpreter(fixture('missing.tflite')), 'ERR_TFLITE_NOT_FOUND', /missing\.tflite/],
    ['a directory', () => new Interpreter(__dirname), 'ERR_TFLITE_NOT_FOUND', /not a model file/],
    ['an empty buffer', () => new Interpreter(Buffer.alloc(0)), 'ERR_TFLITE_MODEL_INVALID', /empty/],
    ['random bytes', () => new Interpreter(Buffer.from('definitely not a flatbuffer model')), 'ERR_TFLITE_MODEL_INVALID', /./],
    ['a number', () => new Interpreter(wrongType(42)), 'ERR_TFLITE_MODEL_INVALID', /path, Buffer/],
    ['a Float32Array', () => new Interpreter(wrongType(new Float32Array(8))), 'ERR_TFLITE_MODEL_INVALID', /Buffer/],
    ['an unresolved custom op', () => new Interpreter(fixture('custom_op.tflite')).allocateTensors(),
      'ERR_TFLITE_ALLOCATE', /MatrixDeterminant/],
    ['an unresolved Flex op', () => new Interpreter(fixture('custom_op_flex.tflite')).allocateTensors(),
      'ERR_TFLITE_ALLOCATE', /Select TensorFlow op/],
    ['bad threads', () => new Interpreter(fixture('add.tflite'), { threads: 0 }), 'ERR_TFLITE_ARGUMENT', /threads/],
  ])('%s is a TfLiteError with its code', (_, fn, code, message) => {
    const error = caught(fn);
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  test('an error thrown by native code carries the caller in its stack', () => {
    const error = caught(() => new Interpreter(Buffer.from('garbage bytes here')));
    expect(error.stack).toContain('interpreter.test.ts');
  });
});

describe('every dtype round-trips through its model', () => {
  test.each(DTYPE_MODELS)('%s', (file) => {
    const it = new Interpreter(fixture(file));
    it.allocateTensors();
    const e = runFixture(file, it);
    const out = e.outputs[0];
    const tensor = it.output(0);
    expect(tensor.dtype).toBe(out.dtype);
    expect(tensor.shape).toEqual(out.shape);
    expect(it.input(0).dtype).toBe(e.inputs[0].dtype);
    if (out.dtype === 'float16') {
      // raw half bits (no Float16Array in this Node): compare through a float conversion
      const bits = tensor.as('float16').get();
      expect(kind(bits)).toBe('Uint16Array');
      const floats = Array.from(bits, halfToFloat);
      expectValues(floats, out.value, 1e-3 * Math.max(...out.value.map(Math.abs)));
    } else {
      expectValues(tensor.get(), typed(out.dtype, out.value), e.tolerance ?? 0);
    }
    it.dispose();
  });

  test('int64 and uint64 tensors are BigInt arrays; plain bigint[] inputs are accepted', () => {
    const it = new Interpreter(fixture('dtypes_int64.tflite'));
    it.allocateTensors();
    expect(kind(it.input(0).data)).toBe('BigInt64Array');
    it.input(0).set(expected['dtypes_int64.tflite'].inputs[0].value.map(BigInt));
    it.invoke();
    expectValues(it.output(0).get(), typed('int64', expected['dtypes_int64.tflite'].outputs[0].value));
    const u = new Interpreter(fixture('dtypes_uint64.tflite'));
    u.allocateTensors();
    expect(kind(u.input(0).data)).toBe('BigUint64Array');
    expect(caught(() => u.input(0).set([-1n, 0n, 0n, 0n, 0n, 0n])).code).toBe('ERR_TFLITE_DTYPE');
  });

  test('bool tensors are Uint8Array and take booleans', () => {
    const it = new Interpreter(fixture('dtypes_bool.tflite'));
    it.allocateTensors();
    it.input(0).set([true, false, true, false, false, true]);
    it.invoke();
    expect(Array.from(it.output(0, 'bool').get())).toEqual([0, 1, 0, 1, 1, 0]);
  });

  test('float16 takes plain numbers (converted to half precision)', () => {
    const it = new Interpreter(fixture('dtypes_float16.tflite'));
    it.allocateTensors();
    it.input(0).set([1, -2, 0.5, 1024, 0, -0.25]);
    expect(Array.from(it.input(0, 'float16').get(), halfToFloat)).toEqual([1, -2, 0.5, 1024, 0, -0.25]);
  });

  test('complex64 is interleaved re, im in a Float32Array of twice the element count', () => {
    const it = new Interpreter(fixture('dtypes_complex64.tflite'));
    it.allocateTensors();
    expect(kind(it.input(0).data)).toBe('Float32Array');
    expect(it.input(0).data.length).toBe(2 * 6);
  });
});

describe('string tensors', () => {
  test('set(string[]) and get() round-trip UTF-8, empty strings and emoji', () => {
    const e = expected['dtypes_string.tflite'];
    const it = new Interpreter(fixture('dtypes_string.tflite'));
    it.allocateTensors();
    it.input(0).set(e.inputs[0].value);
    expect(it.input(0).get()).toEqual(e.inputs[0].value);
    it.invoke();
    expect(it.output(0).get()).toEqual(e.outputs[0].value);
  });

  test('dynamic string sizes: resize then set more strings', () => {
    const e = expected['strings_dynamic.tflite'];
    const it = new Interpreter(fixture('strings_dynamic.tflite'));
    it.allocateTensors();
    it.input(0).set(e.inputs[0].value);
    it.invoke();
    expect(it.output(0).get()).toEqual(e.outputs[0].value);
    if (e.resized) {
      it.resizeInput(0, e.resized.shape);
      it.allocateTensors();
      it.input(0).set(e.resized.input);
      it.invoke();
      expect(it.output(0).shape).toEqual(e.resized.outputShape);
      expect(it.output(0).get()).toEqual(e.resized.output);
    }
  });

  test('wrong count, non-strings, and reading an unset string tensor are typed errors', () => {
    const it = new Interpreter(fixture('dtypes_string.tflite'));
    it.allocateTensors();
    expect(caught(() => it.input(0).set(['a'])).code).toBe('ERR_TFLITE_SIZE');
    expect(caught(() => it.input(0).set([1, 2, 3])).code).toBe('ERR_TFLITE_DTYPE');
    expect(caught(() => it.input(0).set(new Uint8Array(3))).code).toBe('ERR_TFLITE_DTYPE');
    expect(caught(() => it.output(0).get()).code).toBe('ERR_TFLITE_INVOKE');
  });

  test('invalid UTF-8 in a string tensor reads back with replacement characters, no crash', () => {
    const it = new Interpreter(fixture('dtypes_string.tflite'));
    it.allocateTensors();
    it.input(0).set(['\ud800', 'ok', '']);
    expect(it.input(0).get()[1]).toBe('ok');
  });
});

describe('zero-copy views', () => {
  test('data is a view on TFLite memory: writes go in, outputs come out without copies', () => {
    const it = new Interpreter(fixture('add.tflite'));
    it.allocateTensors();
    const [a, b] = [it.input(0, 'float32').data, it.input(1, 'float32').data];
    a.set([1, 2, 3, 4]);
    b.set([10, 20, 30, 40]);
    const out = it.output(0, 'float32').data;
    it.invoke();
    expect(Array.from(out)).toEqual([11, 22, 33, 44]);
    a[0] = 100;
    it.invoke();
    expect(out[0]).toBe(110);
    expect(it.input(0).data).toBe(a); // cached until memory moves
    expect(it.tensor(it.input(0).index)).toBe(a);
  });

  test('allocateTensors, resizeInput and dispose detach every view handed out', () => {
    const it = new Interpreter(fixture('dynamic_batch.tflite'));
    it.allocateTensors();
    const before = it.input(0).data;
    const out = it.output(0).data;
    expect(before.length).toBe(4);
    it.allocateTensors();
    expect(before.length).toBe(0);
    expect(out.length).toBe(0);
    const again = it.input(0).data;
    expect(again.length).toBe(4);
    it.resizeInput(0, [3, 4]);
    expect(again.length).toBe(0);
    it.allocateTensors();
    const last = it.input(0).data;
    expect(last.length).toBe(12);
    it.dispose();
    expect(last.length).toBe(0);
  });

  test('a view kept after its interpreter is garbage collected stays valid', () => {
    let view: Float32Array | undefined;
    (() => {
      const it = new Interpreter(fixture('add.tflite'));
      it.allocateTensors();
      view = it.input(0, 'float32').data;
      view.set([1, 2, 3, 4]);
    })();
    if (global.gc) global.gc();
    expect(Array.from(view!)).toEqual([1, 2, 3, 4]);
  });

  test('get() copies: later invokes do not change it', () => {
    const it = new Interpreter(fixture('add.tflite'));
    it.allocateTensors();
    runFixture('add.tflite', it);
    const copy = it.output(0, 'float32').get();
    const snapshot = Array.from(copy);
    it.input(0, 'float32').data.fill(0);
    it.invoke();
    expect(Array.from(copy)).toEqual(snapshot);
  });
});

describe('resize', () => {
  test('dynamic batch: resize, allocate, outputs take the new shape', () => {
    const e = expected['dynamic_batch.tflite'];
    const it = new Interpreter(fixture('dynamic_batch.tflite'));
    expect(it.input(0).shapeSignature).toEqual([-1, 4]);
    it.resizeInput('x', e.resized.shape);
    it.allocateTensors();
    it.input(0).set(Float32Array.from(e.resized.input));
    it.invoke();
    expect(it.output(0).shape).toEqual(e.resized.outputShape);
    expectValues(it.output(0).get(), Float32Array.from(e.resized.output));
  });

  test('invoke after resize without allocate is ERR_TFLITE_INVOKE; bad shapes are ERR_TFLITE_SHAPE', () => {
    const it = new Interpreter(fixture('dynamic_batch.tflite'));
    it.allocateTensors();
    it.resizeInput(0, [2, 4]);
    expect(caught(() => it.invoke()).code).toBe('ERR_TFLITE_INVOKE');
    expect(caught(() => it.resizeInput(0, [-1, 4])).code).toBe('ERR_TFLITE_SHAPE');
    expect(caught(() => it.resizeInput(0, [1.5, 4])).code).toBe('ERR_TFLITE_SHAPE');
    expect(caught(() => it.resizeInput(0, wrongType('x'))).code).toBe('ERR_TFLITE_SHAPE');
    expect(caught(() => it.resizeInput(3, [1, 4])).code).toBe('ERR_TFLITE_INDEX');
    expect(caught(() => it.resizeInput('nope', [1, 4])).code).toBe('ERR_TFLITE_NOT_FOUND');
  });
});

describe('quantization', () => {
  const e = expected['quant_int8.tflite'];

  test('per-tensor parameters on tensors and details', () => {
    const it = new Interpreter(fixture('quant_int8.tflite'));
    const q = e.inputs[0].quantization;
    expect(it.input(0).quantization!.zeroPoint).toBe(q.zeroPoint);
    expect(it.input(0).quantization!.scale).toBeCloseTo(q.scale, 7);
    expect(new Interpreter(fixture('add.tflite')).input(0).quantization).toBeNull();
  });

  test('per-channel parameters of weight tensors (by tensor index)', () => {
    const it = new Interpreter(fixture('quant_int8.tflite'), { xnnpack: false });
    it.allocateTensors();
    for (const pc of e.perChannel) {
      const tensor = it.tensorAt(pc.index);
      expect(tensor.name).toBe(pc.name);
      expect(tensor.dtype).toBe(pc.dtype);
      const params = tensor.quantizationParameters;
      expect(params.scales.map(Math.fround)).toEqual(pc.scales.map(Math.fround));
      expect(params.zeroPoints).toEqual(pc.zeroPoints);
      expect(params.quantizedDimension).toBe(pc.quantizedDimension);
    }
  });

  test('quantize() then invoke then dequantize() matches the float reference', () => {
    const it = new Interpreter(fixture('quant_int8.tflite'));
    it.allocateTensors();
    it.input(0).quantize(Float32Array.from(e.floatInput));
    expectValues(it.input(0).get(), Int8Array.from(e.inputs[0].value), 1);
    it.invoke();
    expectValues(it.output(0).get(), Int8Array.from(e.outputs[0].value), e.tolerance);
    const scale = e.outputs[0].quantization.scale;
    expectValues(it.output(0).dequantize(), e.dequantizedOutput, scale * (e.tolerance + 0.01));
  });

  test('quantize on a float tensor and wrong lengths are typed errors', () => {
    const it = new Interpreter(fixture('add.tflite'));
    it.allocateTensors();
    expect(caught(() => it.input(0).quantize(new Float32Array(4))).code).toBe('ERR_TFLITE_DTYPE');
    const q = new Interpreter(fixture('quant_int8.tflite'));
    q.allocateTensors();
    expect(caught(() => q.input(0).quantize(new Float32Array(3))).code).toBe('ERR_TFLITE_SIZE');
  });
});

describe('signatures', () => {
  const e = expected['signatures.tflite'];

  test('keys, list and named I/O', () => {
    const it = new Interpreter(fixture('signatures.tflite'));
    expect(it.signatures.sort()).toEqual(Object.keys(e.signatures).sort());
    expect(it.getSignatureList()).toEqual(e.signatures);
    const add = it.getSignatureRunner('add');
    expect(Object.keys(add.inputs)).toEqual(e.signatures.add.inputs);
    expect(Object.keys(add.outputs)).toEqual(e.signatures.add.outputs);
    expect(add.input('x').name).toBe(e.signatureTensors.add.inputs.x.name);
    expect(add.input('x').index).toBe(e.signatureTensors.add.inputs.x.index); // subgraph 0: a real index
    expect(it.getSignatureRunner('mul').input('x').index).toBe(-1); // another subgraph
  });

  test.each(['add', 'mul'])('run %s by name', (key) => {
    const it = new Interpreter(fixture('signatures.tflite'));
    const runner = it.getSignatureRunner(key);
    runner.allocateTensors();
    const run = e.signatureRuns[key];
    const inputs = Object.fromEntries(Object.entries(run.inputs).map(([k, v]) => [k, Float32Array.from(v)]));
    const out = runner.run(inputs);
    for (const [name, value] of Object.entries(run.outputs)) expectValues(out[name], Float32Array.from(value));
  });

  test('runner errors: unknown key, unknown name, invoke before allocate, non -1 resize', () => {
    const it = new Interpreter(fixture('signatures.tflite'));
    expect(caught(() => it.getSignatureRunner('nope')).code).toBe('ERR_TFLITE_NOT_FOUND');
    const runner = it.getSignatureRunner('add');
    expect(caught(() => runner.invoke()).code).toBe('ERR_TFLITE_INVOKE');
    expect(caught(() => runner.input('z')).code).toBe('ERR_TFLITE_NOT_FOUND');
    expect(caught(() => runner.resizeInput('x', [2, 2])).code).toBe('ERR_TFLITE_SHAPE');
    runner.allocateTensors();
    expect(caught(() => runner.run({ q: [1, 2] })).code).toBe('ERR_TFLITE_NOT_FOUND');
  });
});

describe('run()', () => {
  test('by position and by name, returning copies keyed by output name', () => {
    const e = expected['add.tflite'];
    const it = new Interpreter(fixture('add.tflite'));
    it.allocateTensors();
    const values = e.inputs.map((d) => Float32Array.from(d.value));
    const byIndex = it.run(values.map((v) => Array.from(v))); // plain arrays are accepted too
    const byName = it.run(Object.fromEntries(e.inputs.map((d, i) => [d.name, values[i]])));
    for (const out of [byIndex, byName]) expectValues(out[e.outputs[0].name], Float32Array.from(e.outputs[0].value));
  });

  test('before allocateTensors is ERR_TFLITE_INVOKE; wrong arity is ERR_TFLITE_ARGUMENT', () => {
    const it = new Interpreter(fixture('add.tflite'));
    expect(caught(() => it.run([[1, 2, 3, 4], [1, 2, 3, 4]])).code).toBe('ERR_TFLITE_INVOKE');
    it.allocateTensors();
    expect(caught(() => it.run([[1, 2, 3, 4]])).code).toBe('ERR_TFLITE_ARGUMENT');
  });
});

describe('Python porting layer', () => {
  test.each(Object.keys(expected).filter((f) => expected[f].inputs && !f.startsWith('custom')))(
    'getInputDetails/getOutputDetails of %s match tf.lite', (file) => {
      const e = expected[file];
      const it = new Interpreter(fixture(file));
      const strip = ({ value: _value, ...rest }: ExpectedTensor) => rest;
      const close = (details: Omit<ExpectedTensor, 'value'>[]) => details.map((d) => ({ ...d, quantization: { ...d.quantization,
        scale: Math.fround(d.quantization.scale) }, quantizationParameters: { ...d.quantizationParameters,
        scales: d.quantizationParameters.scales.map(Math.fround) } }));
      expect(close(it.getInputDetails())).toEqual(close(e.inputs.map(strip)));
      expect(close(it.getOutputDetails())).toEqual(close(e.outputs.map(strip)));
      expect(it.tensorCount).toBe(e.tensorCount);
    });

  test('setTensor / getTensor / tensor by index, like Python', () => {
    const e = expected['add.tflite'];
    const it = new Interpreter(fixture('add.tflite'));
    it.allocateTensors();
    const [a, b] = it.getInputDetails();
    it.setTensor(a.index, Float32Array.from(e.inputs[0].value));
    it.setTensor(b.index, Float32Array.from(e.inputs[1].value));
    it.invoke();
    const outIndex = it.getOutputDetails()[0].index;
    expectValues(it.getTensor(outIndex), Float32Array.from(e.outputs[0].value));
    expect(it.tensor(outIndex)).toBe(it.output(0).data);
    expect(caught(() => it.getTensor(999)).code).toBe('ERR_TFLITE_INDEX');
    expect(caught(() => it.setTensor(-1, [1])).code).toBe('ERR_TFLITE_INDEX');
  });
});

describe('input checks', () => {
  let it: Interpreter;
  beforeEach(() => {
    it = new Interpreter(fixture('add.tflite'));
    it.allocateTensors();
  });

  test.each([
    ['a wrong TypedArray type', () => it.input(0).set(new Float64Array(4)), 'ERR_TFLITE_DTYPE'],
    ['a wrong length', () => it.input(0).set(new Float32Array(3)), 'ERR_TFLITE_SIZE'],
    ['strings into a float tensor', () => it.input(0).set(['a', 'b', 'c', 'd']), 'ERR_TFLITE_DTYPE'],
    ['an out-of-range input index', () => it.input(5), 'ERR_TFLITE_INDEX'],
    ['an unknown input name', () => it.input('nope'), 'ERR_TFLITE_NOT_FOUND'],
    ['an unknown output name', () => it.output('nope'), 'ERR_TFLITE_NOT_FOUND'],
    ['a DataView', () => it.input(0).set(wrongType(new DataView(new ArrayBuffer(16)))), 'ERR_TFLITE_DTYPE'],
  ])('%s', (_, fn, code) => {
    expect(caught(fn).code).toBe(code);
  });

  test('invoke before allocateTensors', () => {
    const fresh = new Interpreter(fixture('add.tflite'));
    const error = caught(() => fresh.invoke());
    expect(error.code).toBe('ERR_TFLITE_INVOKE');
    expect(error.message).toMatch(/allocateTensors\(\) first/);
  });

  test('use after dispose, double dispose, Symbol.dispose', () => {
    const input = it.input(0);
    it.dispose();
    it.dispose();
    it[Symbol.dispose ?? Symbol.for('nodejs.dispose')]();
    for (const fn of [() => it.invoke(), () => it.allocateTensors(), () => input.data, () => input.set([1, 2, 3, 4]),
      () => it.inputs, () => it.getTensor(0)]) {
      expect(caught(fn).code).toBe('ERR_TFLITE_DISPOSED');
    }
  });
});

describe('options', () => {
  test('xnnpack on (default) and off give the same results; delegates reports it', () => {
    const results = [true, false].map((xnnpack) => {
      const it = new Interpreter(fixture('convnet.tflite'), { xnnpack });
      it.allocateTensors();
      runFixture('convnet.tflite', it);
      return { out: it.output(0).get(), delegates: it.delegates, plan: it.executionPlan };
    });
    const e = expected['convnet.tflite'];
    for (const { out } of results) expectValues(out, Float32Array.from(e.outputs[0].value), 1e-5);
    const ops = results[1].plan.map((p) => p.op);
    expect(new Set(ops)).toEqual(new Set(e.ops.map((o) => o.op))); // the model's own ops, on built-in kernels
    expect(results[1].plan.every((p) => p.delegate === null)).toBe(true);
    expect(results[0].delegates).toEqual([{ name: 'xnnpack', applied: true, nodes: ops.length }]);
    expect(results[0].plan).toEqual([{ op: 'TfLiteXNNPackDelegate', delegate: 'xnnpack', nodes: ops.length }]);
    expect(results[1].delegates).toEqual([]);
  });

  test('models XNNPACK refuses (strings) load and run without it', () => {
    const it = new Interpreter(fixture('dtypes_string.tflite'));
    expect(it.delegates[0]).toMatchObject({ name: 'xnnpack', applied: false, nodes: 0 });
  });
});

// Arrays made by the addon belong to Node's main realm, not jest's sandbox: compare by tag, not instanceof.
const kind = (array: unknown) => Object.prototype.toString.call(array).slice(8, -1);

// IEEE half bits to a number (for float16 fixtures).
function halfToFloat(h: number) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
