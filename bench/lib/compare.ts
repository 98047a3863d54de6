// Alternating the variants of one workload round by round, so drift in machine load hits them alike.

import { note } from './context';
import type { Engine } from './engine';
import { stats, median, sleep } from './format';

/**
 * Alternates `variants` (each { key, engine, slot, variant, batch }) for `rounds` rounds, rotating the order. The
 * iterations per round come from a short calibration so each variant gets ~budgetMs per round.
 */
export interface Variant {
  key: string;
  engine: Engine | undefined | null;
  slot: number;
  variant: string;
  batch: number;
  iters?: number;
  samples?: number[];
  /** the median of each round's samples, round by round: what bench/lib/paired.ts pairs across variants */
  roundMedians?: number[];
  error?: string;
}

export interface CompareOptions { rounds: number; budgetMs: number; minIters?: number; maxIters?: number; warmup?: number }

async function compare(variants: Variant[], { rounds, budgetMs, minIters = 3, maxIters = 400, warmup = 1 }: CompareOptions):
    Promise<Record<string, any>> {
  const live = variants.filter((v) => v.engine && !v.engine.dead);
  for (const v of live) {
    try {
      const us = await v.engine!.run(v.slot, v.variant, 3, v.batch, warmup);
      v.iters = Math.max(minIters, Math.min(maxIters, Math.round((budgetMs * 1000) / (median(us) * v.batch))));
      v.samples = [];
      v.roundMedians = [];
    } catch (error) {
      v.error = (error as Error).message.split('\n')[0];
      note(`${v.key}: ${v.error}`);
    }
  }
  const active = live.filter((v) => !v.error);
  for (let r = 0; r < rounds; r++) {
    const k = r % Math.max(1, active.length);
    for (const v of active.slice(k).concat(active.slice(0, k))) {
      if (v.error) continue;
      try {
        const us = await v.engine!.run(v.slot, v.variant, v.iters!, v.batch, warmup);
        v.samples!.push(...us);
        v.roundMedians!.push(median(us));
      } catch (error) {
        v.error = (error as Error).message.split('\n')[0];
        note(`${v.key}: ${v.error}`);
      }
      await sleep(20); // lets the previous engine's spinning pool threads go to sleep
    }
  }
  const out: Record<string, any> = {};
  for (const v of variants) {
    out[v.key] = v.samples && v.samples.length && !v.error ? { ...stats(v.samples), batch: v.batch, samples: v.samples,
      roundMedians: v.roundMedians }
      : { error: v.error || 'not run' };
  }
  return out;
}

export { compare };
