// What a port from Python's tf.lite needs beyond the names: nested lists in and out, resize by tensor index, the
// element count in details.
import { Interpreter } from '../dist/cjs';
import { fixture, caught, wrongType } from './helpers';

const ready = (file: string) => {
  const it = new Interpreter(fixture(file));
  it.allocateTensors();
  return it;
};

describe('nested arrays, as Python passes lists of lists', () => {
  test('set(), setTensor() and run() take values nested in the tensor shape', () => {
    const it = ready('add.tflite');
    it.input(0).set([[1, 2, 3, 4]]);
    it.setTensor(it.input(1).index, [[10, 20, 30, 40]]);
    it.invoke();
    expect(Array.from(it.output(0, 'float32').get())).toEqual([11, 22, 33, 44]);
    expect(Array.from<number | bigint | string>(Object.values(it.run([[[1, 1, 1, 1]], [[2, 2, 2, 2]]]))[0]!)).toEqual([3, 3, 3, 3]);
  });

  test.each([
    ['a row too short', [[1, 2, 3]], 'ERR_TFLITE_SHAPE', /values\[0\] should hold 4 entries, got 3/],
    ['too many rows', [[1, 2, 3, 4], [1, 2, 3, 4]], 'ERR_TFLITE_SIZE', /shape \[1,4\] \(4 values\), got 2/],
    ['one level too deep', [[[1], [2], [3], [4]]], 'ERR_TFLITE_SHAPE', /values\[0\]\[0\] nests deeper/],
    ['a ragged leaf', [[1, 2, 3, [4]]], 'ERR_TFLITE_SHAPE', /values\[0\]\[3\] nests deeper/],
  ])('%s is a shape or size error saying where', (_, values, code, message) => {
    const error = caught(() => ready('add.tflite').input(0).set(values));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  test('complex64 takes [re, im] pairs nested in the shape, and getNested() gives them back', () => {
    const it = ready('dtypes_complex64.tflite');
    const [rows, cols] = it.input(0).shape;
    const nested = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => [r, c + 0.5]));
    it.input(0).set(nested);
    expect(it.input(0).getNested()).toEqual(nested);
  });

  test('getNested() shapes outputs like numpy tolist(): int64 as bigints, strings as strings', () => {
    const it = ready('add.tflite');
    it.input(0).set([[1, 2, 3, 4]]);
    it.input(1).set([[0, 0, 0, 0]]);
    it.invoke();
    expect(it.output(0).getNested()).toEqual([[1, 2, 3, 4]]);
    const ints = ready('dtypes_int64.tflite');
    ints.input(0).set(new BigInt64Array(ints.input(0).elementCount).fill(7n));
    const nested = ints.input(0).getNested(); // NestedValue: an array for a tensor of rank >= 1
    expect(Array.isArray(nested) && nested.flat(8).every((v) => v === 7n)).toBe(true);
    const strings = ready('dtypes_string.tflite');
    strings.input(0).set(['a', 'b', 'c']);
    expect(strings.input(0).getNested()).toEqual(['a', 'b', 'c']);
  });
});

describe('resize by tensor index, as Python does', () => {
  test("resizeTensorInput(details[0].index, shape) is a literal port of resize_tensor_input", () => {
    const it = new Interpreter(fixture('dynamic_batch.tflite'));
    const [input] = it.getInputDetails();
    it.resizeTensorInput(input.index, [3, 4]);
    it.allocateTensors();
    expect(it.getInputDetails()[0].shape).toEqual([3, 4]);
  });

  test('a tensor index that is not an input is ERR_TFLITE_INDEX; a non-number ERR_TFLITE_ARGUMENT', () => {
    const it = new Interpreter(fixture('add_mul.tflite'));
    const outputIndex = it.getOutputDetails()[0].index;
    expect(caught(() => it.resizeTensorInput(outputIndex, [1, 4])).code).toBe('ERR_TFLITE_INDEX');
    expect(caught(() => it.resizeTensorInput(wrongType('0'), [1, 4])).code).toBe('ERR_TFLITE_ARGUMENT');
  });
});

test('details carry the element count, and still equal Python-shaped objects', () => {
  const it = ready('convnet.tflite');
  const [details] = it.getInputDetails();
  expect(details.elementCount).toBe(details.shape.reduce((a, b) => a * b, 1));
  expect(Object.keys(details)).not.toContain('elementCount');
});
