// The GEMMs whose weights XNNPACK reads in cache-sized column blocks (scripts/patches/xnnpack/0007): a 1x1
// convolution and a fully connected layer, each with about 271 KB of packed float32 weights (over the 256 KiB block)
// and 36 rows (several row tiles), so both take the blocked order, with a partial last block. The expected output
// is computed here from the formulas the fixture was made with (test/fixtures/make_gemm_blocks_fixture.py).
import { Interpreter } from '../dist/cjs';
import { fixture } from './helpers';

const PIXELS = 36;
const CHANNELS = 256;
const FILTERS = 264;
const UNITS = 256;

// The fixture script's weight() and bias(), element by element.
const weight = (i: number, j: number, seed: number): number => (((i * 7 + j * 13 + seed) % 17) - 8) / 32;
const bias = (j: number, seed: number): number => (((j + seed) % 5) - 2) / 8;
const input = (i: number): number => Math.fround(((i * 7919) % 2001) / 1000 - 1);

/** (x W1 + b1) W2 + b2 in double precision, with the sum of |terms| of each output as its error scale. */
function reference(): { want: Float64Array; scale: Float64Array } {
  const hidden = new Float64Array(PIXELS * FILTERS);
  const hiddenScale = new Float64Array(PIXELS * FILTERS);
  for (let p = 0; p < PIXELS; p++) {
    for (let f = 0; f < FILTERS; f++) {
      let sum = bias(f, 1);
      let abs = Math.abs(sum);
      for (let c = 0; c < CHANNELS; c++) {
        const term = input(p * CHANNELS + c) * weight(c, f, 1);
        sum += term;
        abs += Math.abs(term);
      }
      hidden[p * FILTERS + f] = sum;
      hiddenScale[p * FILTERS + f] = abs;
    }
  }
  const want = new Float64Array(PIXELS * UNITS);
  const scale = new Float64Array(PIXELS * UNITS);
  for (let p = 0; p < PIXELS; p++) {
    for (let u = 0; u < UNITS; u++) {
      let sum = bias(u, 2);
      let abs = Math.abs(sum);
      for (let f = 0; f < FILTERS; f++) {
        sum += hidden[p * FILTERS + f]! * weight(f, u, 2);
        abs += hiddenScale[p * FILTERS + f]! * Math.abs(weight(f, u, 2));
      }
      want[p * UNITS + u] = sum;
      scale[p * UNITS + u] = abs;
    }
  }
  return { want, scale };
}

function run(options: { threads: number; xnnpack: boolean }): Float32Array {
  const it = new Interpreter(fixture('gemm_blocks.tflite'), options);
  try {
    it.allocateTensors();
    const x = it.input(0).data as Float32Array;
    for (let i = 0; i < x.length; i++) x[i] = input(i);
    it.invoke();
    if (options.xnnpack) expect(it.delegates).toEqual([{ name: 'xnnpack', applied: true, nodes: 6 }]);
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
    // float32 accumulation over 256 and 264 terms: a few units in the last place of the terms' magnitude.
    expect(worst).toBeLessThan(1e-5);
  });

  test('one and two threads give the same bytes (each output is one kernel call over the whole K)', () => {
    expect(Buffer.from(run({ threads: 2, xnnpack: true }).buffer))
      .toEqual(Buffer.from(run({ threads: 1, xnnpack: true }).buffer));
  });
});
