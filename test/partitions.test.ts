// A model XNNPACK takes in three partitions, with tensors crossing between them (test/fixtures/
// make_partitions_fixture.py): y = 2x + 1 (also a model output), CUMSUM on TFLite's kernel, ADD of that and y, a
// second CUMSUM, then v = half of it. scripts/patches/tensorflow/0023 numbers each partition's XNNPACK values by
// the partition's own tensors instead of the model's tensor indices; a value bound to the wrong id would read or
// write another tensor's buffer. Every value is an integer or half of one: exact on both paths, so bytes compare.
import { Interpreter } from '../dist/cjs';
import { fixture } from './helpers';

const SHAPE = [1, 4, 4, 3];
const CHANNELS = 3;

function expected(x: Float32Array): { y: Float32Array; v: Float32Array } {
  const y = x.map((value) => 2 * value + 1);
  const v = new Float32Array(x.length);
  for (let pixel = 0; pixel < x.length; pixel += CHANNELS) {
    let z = 0;
    let sum = 0;
    for (let c = pixel; c < pixel + CHANNELS; c++) {
      z += y[c]!;
      sum += z + y[c]!;
      v[c] = sum * 0.5;
    }
  }
  return { y, v };
}

function run(options: { threads: number; xnnpack: boolean }, shape = SHAPE) {
  const it = new Interpreter(fixture('partitions.tflite'), options);
  try {
    if (shape !== SHAPE) it.resizeInput(0, shape);
    it.allocateTensors();
    const x = it.input(0, 'float32').data;
    for (let i = 0; i < x.length; i++) x[i] = (i % 7) - 3;
    it.invoke();
    const runner = it.getSignatureRunner('serving_default');
    return {
      x: Float32Array.from(x),
      y: Float32Array.from(runner.output('y', 'float32').data),
      v: Float32Array.from(runner.output('v', 'float32').data),
      partitions: it.executionPlan.filter((step) => step.delegate === 'xnnpack').length,
    };
  } finally {
    it.dispose();
  }
}

describe('a model in several XNNPACK partitions (tensorflow 0023)', () => {
  test('the delegate takes it in three partitions around the two CUMSUM', () => {
    expect(run({ threads: 1, xnnpack: true }).partitions).toBe(3);
  });

  test.each([
    [1, true], [2, true], [1, false],
  ])('threads %d, xnnpack %s: the outputs are exactly y = 2x + 1 and v', (threads, xnnpack) => {
    const got = run({ threads, xnnpack });
    const want = expected(got.x);
    expect(Buffer.from(got.y.buffer)).toEqual(Buffer.from(want.y.buffer));
    expect(Buffer.from(got.v.buffer)).toEqual(Buffer.from(want.v.buffer));
  });

  test('after resizeInput the partitions are built again for the new shape', () => {
    const got = run({ threads: 1, xnnpack: true }, [2, 5, 5, 3]);
    expect(got.x.length).toBe(2 * 5 * 5 * 3);
    expect(got.partitions).toBe(3);
    const want = expected(got.x);
    expect(Buffer.from(got.y.buffer)).toEqual(Buffer.from(want.y.buffer));
    expect(Buffer.from(got.v.buffer)).toEqual(Buffer.from(want.v.buffer));
  });
});
