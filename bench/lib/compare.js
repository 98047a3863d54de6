'use strict';
// Alternating the variants of one workload round by round, so drift in machine load hits them alike.

const { note } = require('./context');
const { stats, median, sleep } = require('./format');

/**
 * Alternates `variants` (each { key, engine, slot, variant, batch }) for `rounds` rounds, rotating the order. The
 * iterations per round come from a short calibration so each variant gets ~budgetMs per round.
 */
async function compare(variants, { rounds, budgetMs, minIters = 3, maxIters = 400, warmup = 1 }) {
  const live = variants.filter((v) => v.engine && !v.engine.dead);
  for (const v of live) {
    try {
      const us = await v.engine.run(v.slot, v.variant, 3, v.batch, warmup);
      v.iters = Math.max(minIters, Math.min(maxIters, Math.round((budgetMs * 1000) / (median(us) * v.batch))));
      v.samples = [];
    } catch (error) {
      v.error = error.message.split('\n')[0];
      note(`${v.key}: ${v.error}`);
    }
  }
  const active = live.filter((v) => !v.error);
  for (let r = 0; r < rounds; r++) {
    const k = r % Math.max(1, active.length);
    for (const v of active.slice(k).concat(active.slice(0, k))) {
      if (v.error) continue;
      try {
        v.samples.push(...(await v.engine.run(v.slot, v.variant, v.iters, v.batch, warmup)));
      } catch (error) {
        v.error = error.message.split('\n')[0];
        note(`${v.key}: ${v.error}`);
      }
      await sleep(20); // lets the previous engine's spinning pool threads go to sleep
    }
  }
  const out = {};
  for (const v of variants) {
    out[v.key] = v.samples && v.samples.length && !v.error ? { ...stats(v.samples), batch: v.batch, samples: v.samples }
      : { error: v.error || 'not run' };
  }
  return out;
}

module.exports = { compare };
