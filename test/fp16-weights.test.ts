// Float16 weights that XNNPACK takes as the model holds them (scripts/patches/tensorflow/0022, xnnpack/0008): the
// filters and biases of a 1x1 convolution and of a depthwise convolution, converted node by node while XNNPACK
// packs them, where the delegate used to unpack a float32 copy of all of them first. The depthwise filter is also an
// ADD's operand (test/fixtures/make_fp16_weights_fixture.py rewires it so), which reads it as float32: that one the
// delegate must still unpack. TFLite's built-in kernels, which run every DEQUANTIZE themselves, are the reference.
// (test/gemm-blocks.test.ts has float16 weights of 3x3 and 1x1 convolutions against a double-precision reference.)
import { Interpreter } from '../dist/cjs';
import { fixture } from './helpers';

const ELEMENTS = 3 * 3 * 8;
// Four DEQUANTIZE, the two convolutions and the ADD.
const NODES = 7;

function run(options: { threads: number; xnnpack: boolean }): Float32Array {
  const it = new Interpreter(fixture('fp16_weights.tflite'), options);
  try {
    it.allocateTensors();
    const x = it.input(0, 'float32').data;
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 2001) / 1000 - 1;
    it.invoke();
    if (options.xnnpack) expect(it.delegates).toEqual([{ name: 'xnnpack', applied: true, nodes: NODES }]);
    return Float32Array.from(it.output(0, 'float32').data);
  } finally {
    it.dispose();
  }
}

describe('float16 weights of convolutions handed to XNNPACK as float16 (tensorflow 0022, xnnpack 0008)', () => {
  const reference = run({ threads: 1, xnnpack: false });

  test('the reference is what the fixture script checked: finite, not all zero', () => {
    expect(reference.length).toBe(ELEMENTS);
    expect(reference.every(Number.isFinite)).toBe(true);
    expect(reference.some((v) => Math.abs(v) > 0.1)).toBe(true);
  });

  test.each([1, 2])('threads %d: XNNPACK computes what the built-in kernels compute', (threads) => {
    const got = run({ threads, xnnpack: true });
    // Read as float32 where it is float16 data, the ADD's operand would be other numbers entirely (and half of it
    // past the tensor); the convolutions' weights converted wrong would move every output. float32 sums of at most
    // 9 terms of magnitude < 4 in another order: within a few ulps.
    let worst = 0;
    for (let i = 0; i < ELEMENTS; i++) worst = Math.max(worst, Math.abs(got[i]! - reference[i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  test('one and two threads give the same bytes', () => {
    expect(Buffer.from(run({ threads: 2, xnnpack: true }).buffer))
      .toEqual(Buffer.from(run({ threads: 1, xnnpack: true }).buffer));
  });
});
