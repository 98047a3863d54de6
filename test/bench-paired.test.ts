// bench/lib/paired.ts: the 95% interval the corpus benchmark puts on each row's ours / Python.
import { against, pairedRatio } from '../bench/lib/paired';

describe('pairedRatio', () => {
  test('the t interval on the logarithms of the per-round ratios', () => {
    // log ratios 0.1, 0, -0.1: mean 0, sd 0.1, 3 rounds, t(2) = 4.303 -> exp(±4.303 * 0.1 / sqrt 3)
    const b = [100, 200, 300];
    const a = [100 * Math.exp(0.1), 200, 300 * Math.exp(-0.1)];
    const i = pairedRatio(a, b)!;
    expect(i.rounds).toBe(3);
    expect(i.ratio).toBeCloseTo(1, 12);
    expect(i.low).toBeCloseTo(Math.exp(-0.248433), 4);
    expect(i.high).toBeCloseTo(Math.exp(0.248433), 4);
  });

  test('pairs round i with round i only, and skips rounds either side lacks', () => {
    // b doubles every round; a is b * 1.2 in the same round: a constant ratio whatever the drift
    const b = [10, 20, 40, 80, 160];
    const a = [12, 24, 48, 96, 192, 999];
    const i = pairedRatio(a, b)!;
    expect(i.rounds).toBe(5);
    expect(i.ratio).toBeCloseTo(1.2, 12);
    expect(i.low).toBeCloseTo(1.2, 12);
    expect(i.high).toBeCloseTo(1.2, 12);
    expect(pairedRatio([1, 0, 3, NaN, 5], [1, 2, 3, 4, 5])!.rounds).toBe(3);
  });

  test('no interval from fewer than 3 pairs', () => {
    expect(pairedRatio([1, 2], [1, 2])).toBeUndefined();
    expect(pairedRatio(undefined, [1, 2, 3])).toBeUndefined();
  });

  // The noise this benchmark's VMs show (bench/CORPUS.md): a slow mode ~1.7x that comes and goes over tens to
  // hundreds of milliseconds, hitting both engines of a round alike, plus a few percent of each engine's own jitter.
  // With a true ratio of 1 a 95% interval should exclude 1.00 on about 5% of rows, and with a true ratio of 1.10 over
  // 16 rounds it should lie wholly above 1.05 on more than 3 rows in 4 (the benchmark's power at that gap).
  function simulate(trueRatio: number, rows: number, seed: number): { excludesOne: number; above105: number } {
    let state = seed;
    const random = (): number => {
      state = (state * 1664525 + 1013904223) % 4294967296;
      return state / 4294967296;
    };
    const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    let excludesOne = 0;
    let above105 = 0;
    for (let row = 0; row < rows; row++) {
      const a: number[] = [];
      const b: number[] = [];
      for (let round = 0; round < 16; round++) {
        const host = random() < 0.5 ? 1.7 : 1;
        a.push(1000 * trueRatio * host * Math.exp(0.04 * gaussian()));
        b.push(1000 * host * Math.exp(0.04 * gaussian()));
      }
      const i = pairedRatio(a, b)!;
      if (against(i, 1) !== 'across') excludesOne++;
      if (against(i, 1.05) === 'above') above105++;
    }
    return { excludesOne, above105 };
  }

  test('calibrated under the host noise model: excludes the true ratio on about 1 row in 20', () => {
    const { excludesOne } = simulate(1, 2000, 12345);
    expect(excludesOne / 2000).toBeGreaterThan(0.03);
    expect(excludesOne / 2000).toBeLessThan(0.07);
  });

  test('a real 10% gap is seen through the host noise', () => {
    expect(simulate(1.1, 500, 777).above105 / 500).toBeGreaterThan(0.75);
  });
});

describe('against', () => {
  test('above, below or across a threshold', () => {
    expect(against({ ratio: 1.1, low: 1.06, high: 1.14, rounds: 16 }, 1.05)).toBe('above');
    expect(against({ ratio: 0.97, low: 0.93, high: 1.05, rounds: 16 }, 1.05)).toBe('below');
    expect(against({ ratio: 1.04, low: 1.01, high: 1.07, rounds: 16 }, 1.05)).toBe('across');
    expect(against(undefined, 1.05)).toBeUndefined();
  });
});
