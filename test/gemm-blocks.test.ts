// The GEMMs whose weights XNNPACK reads in cache-sized column blocks (scripts/patches/xnnpack/0007): a 3x3
// convolution (indirect GEMM), a 1x1 convolution and a fully connected layer, each with 268-296 KB of packed float32
// weights (over the 256 KiB block) and 36 rows (several row tiles), so all three take the blocked order, with a
// partial last block. The expected output is computed here from the formulas the fixture was made with
// (test/fixtures/make_gemm_blocks_fixture.py).
import { Interpreter } from '../dist/cjs';
import { fixture } from './helpers';

const SIDE = 8;
const CHANNELS = 32;
const FILTERS3 = 232;
const FILTERS1 = 288;
const UNITS = 256;
const PIXELS = (SIDE - 2) ** 2;
// Three GEMMs and the DEQUANTIZE of each one's float16 weights and bias: XNNPACK takes them all.
const NODES = 9;

// The fixture script's weight() and bias(), element by element.
const weight = (i: number, j: number, seed: number): number => (((i * 7 + j * 13 + seed) % 17) - 8) / 32;
const bias = (j: number, seed: number): number => (((j + seed) % 5) - 2) / 8;
const input = (i: number): number => Math.fround(((i * 7919) % 2001) / 1000 - 1);

/** Values of PIXELS rows, with the sum of |terms| behind each as its rounding-error scale. */
interface Rows { values: Float64Array; scales: Float64Array; width: number }

/** rows x W + b in double precision, W and b from the formulas with `seed`. */
function dense(rows: Rows, units: number, seed: number): Rows {
  const values = new Float64Array(PIXELS * units);
  const scales = new Float64Array(PIXELS * units);
  for (let p = 0; p < PIXELS; p++) {
    for (let u = 0; u < units; u++) {
      let sum = bias(u, seed);
      let abs = Math.abs(sum);
      for (let k = 0; k < rows.width; k++) {
        const w = weight(k, u, seed);
        sum += rows.values[p * rows.width + k]! * w;
        abs += rows.scales[p * rows.width + k]! * Math.abs(w);
      }
      values[p * units + u] = sum;
      scales[p * units + u] = abs;
    }
  }
  return { values, scales, width: units };
}

/** Each output pixel's 3x3 patch of the input, in TensorFlow's (ky, kx, channel) order: the 3x3 convolution's rows. */
function patches(): Rows {
  const width = 9 * CHANNELS;
  const values = new Float64Array(PIXELS * width);
  const out = SIDE - 2;
  for (let y = 0; y < out; y++) {
    for (let x = 0; x < out; x++) {
      for (let k = 0; k < width; k++) {
        const [ky, kx, c] = [Math.floor(k / (3 * CHANNELS)), Math.floor(k / CHANNELS) % 3, k % CHANNELS];
        values[(y * out + x) * width + k] = input(((y + ky) * SIDE + x + kx) * CHANNELS + c);
      }
    }
  }
  return { values, scales: values.map(Math.abs), width };
}

function reference(): { want: Float64Array; scale: Float64Array } {
  const out = dense(dense(dense(patches(), FILTERS3, 0), FILTERS1, 1), UNITS, 2);
  return { want: out.values, scale: out.scales };
}

function run(options: { threads: number; xnnpack: boolean }): Float32Array {
  const it = new Interpreter(fixture('gemm_blocks.tflite'), options);
  try {
    it.allocateTensors();
    const x = it.input(0).data as Float32Array;
    for (let i = 0; i < x.length; i++) x[i] = input(i);
    it.invoke();
    if (options.xnnpack) expect(it.delegates).toEqual([{ name: 'xnnpack', applied: true, nodes: NODES }]);
    return Float32Array.from(it.output(0).data as Float32Array);
  } finally {
    it.dispose();
  }
}

describe('GEMMs with weights over the cache block (xnnpack 0007)', () => {
  const { want, scale } = reference();

  test.each([
    [1, true], [2, true], [1, false],
  ])('threads %d, xnnpack %s: every output matches the double-precision reference', (threads, xnnpack) => {
    const got = run({ threads, xnnpack });
    expect(got.length).toBe(PIXELS * UNITS);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale[i]!);
    // float32 accumulation over 232-288 terms per layer: a few units in the last place of the terms' magnitude.
    expect(worst).toBeLessThan(1e-5);
  });

  test('one and two threads give the same bytes (each output is one kernel call over the whole K)', () => {
    expect(Buffer.from(run({ threads: 2, xnnpack: true }).buffer))
      .toEqual(Buffer.from(run({ threads: 1, xnnpack: true }).buffer));
  });
});
