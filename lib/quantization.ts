/** Affine quantization: real = scale * (q - zeroPoint), per tensor or per channel along one dimension. */
import { TfLiteError } from './errors';
import type { TypedArray } from './dtype';

export interface QuantizationParameters {
  scales: number[];
  zeroPoints: number[];
  quantizedDimension: number;
}

const RANGES: Record<string, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** For element i of a tensor of `shape`, which channel's parameters apply. */
function channelIndexer(shape: number[], params: QuantizationParameters): (i: number) => number {
  if (params.scales.length <= 1) return () => 0;
  const dim = params.quantizedDimension;
  let stride = 1;
  for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
  const channels = shape[dim];
  return (i) => Math.floor(i / stride) % channels;
}

function requireQuantized(name: string, dtype: string, params: QuantizationParameters): void {
  if (params.scales.length === 0 || !(dtype in RANGES)) {
    throw new TfLiteError(`tensor '${name}' (${dtype}) is not quantized`, 'ERR_TFLITE_DTYPE');
  }
}

export function quantizeInto(
  target: TypedArray, values: Float32Array, name: string, dtype: string, shape: number[], params: QuantizationParameters,
): void {
  requireQuantized(name, dtype, params);
  const [low, high] = RANGES[dtype];
  const channel = channelIndexer(shape, params);
  const out = target as Int32Array;
  for (let i = 0; i < values.length; i++) {
    const c = channel(i);
    const q = Math.round(values[i] / params.scales[c]) + (params.zeroPoints[c] ?? 0);
    out[i] = q < low ? low : q > high ? high : q;
  }
}

export function dequantize(
  source: TypedArray, name: string, dtype: string, shape: number[], params: QuantizationParameters,
): Float32Array {
  requireQuantized(name, dtype, params);
  const channel = channelIndexer(shape, params);
  const input = source as Int32Array;
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const c = channel(i);
    out[i] = params.scales[c] * (input[i] - (params.zeroPoints[c] ?? 0));
  }
  return out;
}
