// readModelMetadata (lib/metadata.ts): the model's metadata table, TFLite Support metadata, the appended zip.
import fs from 'fs';
import { readModelMetadata, parseLabels, TfLiteError } from '..';
import { fixture, expected, caught, wrongType } from './helpers';

const CIFAR = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const FRENCH = ['avion', 'automobile', 'oiseau', 'chat', 'cerf', 'chien', 'grenouille', 'cheval', 'navire', 'camion'];

test('a converter model: its entries and min_runtime_version, no TFLite metadata', () => {
  for (const name of ['add.tflite', 'convnet.tflite', 'quant_int8.tflite', 'dtypes_string.tflite']) {
    const m = readModelMetadata(fixture(name));
    expect(m).toEqual({
      entries: ['min_runtime_version', 'CONVERSION_METADATA'],
      minRuntimeVersion: expected[name].minRuntimeVersion,
      description: 'MLIR Converted.',
      tflite: null,
      files: {},
      labels: null,
    });
  }
});

test('TFLite Support metadata: fields, normalisation, associated files, stored and deflated zip entries', () => {
  const m = readModelMetadata(fixture('convnet_metadata.tflite'));
  expect(m.entries).toEqual(['min_runtime_version', 'CONVERSION_METADATA', 'TFLITE_METADATA']);
  expect(m.tflite).toEqual({
    name: 'CIFAR-10 pipeline demo',
    description: 'Random weights: shows the pipeline, not a trained classifier.',
    version: 'v1',
    author: 'tflite-runtime tests',
    license: 'Apache-2.0',
    minParserVersion: '1.0.0',
    inputs: [{ name: 'image', description: 'RGB image, 32x32', normalization: { mean: [127.5], std: [127.5] }, associatedFiles: [] }],
    outputs: [{
      name: 'probability',
      description: 'Probabilities of the 10 classes',
      normalization: null,
      associatedFiles: [
        { name: 'labels_fr.txt', description: 'CIFAR-10 class names (French)', type: 'TENSOR_AXIS_LABELS', locale: 'fr' },
        { name: 'labels.txt', description: 'CIFAR-10 class names', type: 'TENSOR_AXIS_LABELS', locale: null },
      ],
    }],
    associatedFiles: [],
  });
  expect(Object.keys(m.files)).toEqual(['labels.txt', 'labels_fr.txt']);
  expect(Object.getPrototypeOf(m.files)).toBeNull();
  expect(parseLabels(m.files['labels_fr.txt'].toString('utf8'))).toEqual(FRENCH); // the deflated one
  expect(m.labels).toEqual(CIFAR); // the file without a locale wins
});

test('paths, Buffers, ArrayBuffers and Uint8Array slices at an offset read the same', () => {
  const file = fixture('convnet_metadata.tflite');
  const bytes = fs.readFileSync(file);
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 3);
  const want = readModelMetadata(file);
  for (const source of [bytes, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), padded.subarray(3)]) {
    expect(readModelMetadata(source)).toEqual(want);
  }
});

test('errors: a missing file, not a model, and no crash on any truncation or corruption', () => {
  const missing = caught(() => readModelMetadata('/nonexistent/model.tflite'));
  expect(missing).toBeInstanceOf(TfLiteError);
  expect(missing.code).toBe('ERR_TFLITE_NOT_FOUND');
  const text = caught(() => readModelMetadata(Buffer.from('definitely not a flatbuffer')));
  expect(text.code).toBe('ERR_TFLITE_MODEL_INVALID');
  expect(text.message).toContain("file identifier is 'nite', expected 'TFL3'");
  expect(() => readModelMetadata(wrongType(42))).toThrow(TfLiteError);

  // Every truncation and 2000 single-byte corruptions: a result or a TfLiteError, never another exception.
  const bytes = fs.readFileSync(fixture('convnet_metadata.tflite'));
  const outcomes = { ok: 0, invalid: 0 };
  const attempt = (candidate: Buffer) => {
    try {
      readModelMetadata(candidate);
      outcomes.ok++;
    } catch (error) {
      expect(error).toBeInstanceOf(TfLiteError);
      expect((error as TfLiteError).code).toBe('ERR_TFLITE_MODEL_INVALID');
      outcomes.invalid++;
    }
  };
  for (let length = 0; length < bytes.length; length += 7) attempt(bytes.subarray(0, length));
  let seed = 12345;
  const next = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  for (let i = 0; i < 2000; i++) {
    const copy = Buffer.from(bytes);
    copy[next() % copy.length] = next() & 0xff;
    attempt(copy);
  }
  expect(outcomes.invalid).toBeGreaterThan(0);
  expect(outcomes.ok).toBeGreaterThan(0);
});

test('parseLabels: one label per line, \\r\\n accepted, no empty last label', () => {
  expect(parseLabels('a\nb\r\nc\n')).toEqual(['a', 'b', 'c']);
  expect(parseLabels('a\n\nc')).toEqual(['a', '', 'c']);
  expect(parseLabels('')).toEqual([]);
});
