// Full-integer RELU and RELU6 on TFLite's kernel (test/fixtures/make_relu_int8_fixture.py), which
// scripts/patches/tensorflow/0025 runs through a 256-entry table filled at the first Eval instead of a fixed-point
// rescale per element. All 256 input bytes go in; every output must be the byte the kernel's own arithmetic gives:
// QuantizeMultiplier(input scale / output scale), then gemmlowp's saturating rounding doubling high multiply and
// rounding division by a power of two, then the zero point and the clamp. Computed here in BigInt.
import { Interpreter } from '../dist/cjs';
import { fixture } from './helpers';

const INT32_MIN = -(2n ** 31n);

// TFLite's QuantizeMultiplier: m = q * 2^shift with q in [0.5, 1), q as a Q31 integer.
function quantizeMultiplier(real: number): { multiplier: bigint; shift: number } {
  let shift = Math.floor(Math.log2(real)) + 1;
  let q = real / 2 ** shift;
  if (q >= 1) { q /= 2; shift += 1; }
  if (q < 0.5) { q *= 2; shift -= 1; }
  let multiplier = BigInt(Math.round(q * 2 ** 31));
  if (multiplier === 2n ** 31n) { multiplier /= 2n; shift += 1; }
  return { multiplier, shift };
}

function saturatingRoundingDoublingHighMul(a: bigint, b: bigint): bigint {
  if (a === b && a === INT32_MIN) return 2n ** 31n - 1n;
  const ab = a * b;
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return (ab + nudge) / (1n << 31n); // BigInt division truncates toward zero, as C++'s does
}

function roundingDivideByPot(x: bigint, exponent: number): bigint {
  const e = BigInt(exponent);
  const mask = (1n << e) - 1n;
  const remainder = x & mask;
  const threshold = (mask >> 1n) + (x < 0n ? 1n : 0n);
  return (x >> e) + (remainder > threshold ? 1n : 0n);
}

function expectedRelu(x: number, input: { scale: number; zeroPoint: number },
  output: { scale: number; zeroPoint: number }, actMax: number): number {
  const { multiplier, shift } = quantizeMultiplier(Math.fround(input.scale) / Math.fround(output.scale));
  const left = Math.max(shift, 0);
  const right = Math.max(-shift, 0);
  const scaled = roundingDivideByPot(
    saturatingRoundingDoublingHighMul(BigInt(x - input.zeroPoint) * (1n << BigInt(left)), multiplier), right);
  const min = Math.max(-128, output.zeroPoint);
  const max = actMax === Infinity ? 127 : Math.min(127, output.zeroPoint + Math.round(actMax / Math.fround(output.scale)));
  return Math.min(max, Math.max(min, output.zeroPoint + Number(scaled)));
}

describe('int8 RELU and RELU6 by table (tensorflow 0025)', () => {
  test.each([true, false])('xnnpack %s: every input byte gives the byte of the kernel\'s arithmetic, twice', (xnnpack) => {
    const it = new Interpreter(fixture('relu_int8.tflite'), { xnnpack });
    try {
      it.allocateTensors();
      expect(it.executionPlan.map((step) => step.op)).toEqual(['RELU', 'RELU6']);
      const runner = it.getSignatureRunner('serving_default');
      const input = it.input(0, 'int8');
      // Twice: the first Eval fills the tables, the second only reads them. Reversed the second time, so that a
      // table indexed by position instead of by value would show.
      for (const order of [1, -1]) {
        for (let i = 0; i < 256; i++) input.data[i] = order > 0 ? i - 128 : 127 - i;
        it.invoke();
        for (const [name, actMax] of [['relu', Infinity], ['relu6', 6]] as const) {
          const out = runner.output(name, 'int8');
          const got = Array.from(out.data);
          const inScale = input.quantization!;
          const outScale = out.quantization!;
          const want = Array.from(input.data, (x) => expectedRelu(x, inScale, outScale, actMax));
          expect(got).toEqual(want);
        }
      }
      // Not a constant: the non-negative inputs spread over many output bytes (97 of them for RELU6).
      expect(new Set(Array.from(it.outputs[0]!.data as Int8Array)).size).toBeGreaterThan(64);
    } finally {
      it.dispose();
    }
  });
});
