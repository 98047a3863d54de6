// How sure a row's ratio is: two engines alternated round by round (bench/lib/compare.ts) give one ratio per round,
// the two medians of that round, measured a few hundred milliseconds apart, so a slow stretch of the host hits both
// sides of a pair alike. The geometric mean of those per-round ratios, with a Student t interval on their logarithms,
// says whether a row is above (or below) a threshold by more than the machine's own noise. The corpus section checks
// the method on its control (our engine against a second copy of itself): a 95% interval that is honest excludes
// 1.00 on about one row in twenty there.

export interface RatioInterval {
  /** geometric mean of the per-round ratios a / b */
  ratio: number;
  low: number;
  high: number;
  /** rounds paired */
  rounds: number;
}

// Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom; beyond that the normal one is close enough.
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

function t975(degreesOfFreedom: number): number {
  return T_975[degreesOfFreedom - 1] ?? 1.96;
}

/**
 * The 95% interval of a / b from per-round medians of the same rounds (round i of `a` beside round i of `b`).
 * Undefined with fewer than 3 usable pairs (no honest interval from two).
 */
export function pairedRatio(a: readonly number[] | undefined, b: readonly number[] | undefined): RatioInterval | undefined {
  if (!a || !b) return undefined;
  const logs: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y)) logs.push(Math.log(x / y));
  }
  const n = logs.length;
  if (n < 3) return undefined;
  const mean = logs.reduce((s, v) => s + v, 0) / n;
  const variance = logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  const half = t975(n - 1) * Math.sqrt(variance / n);
  return { ratio: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half), rounds: n };
}

/** Where an interval sits against a threshold: wholly above it, wholly at or below it, or across it. */
export function against(interval: RatioInterval | undefined, threshold: number): 'above' | 'below' | 'across' | undefined {
  if (!interval) return undefined;
  if (interval.low > threshold) return 'above';
  if (interval.high <= threshold) return 'below';
  return 'across';
}
