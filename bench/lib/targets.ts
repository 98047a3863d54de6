// The targets of the benchmark issue, evaluated on this run's results (met / MISSED / info).

import { PEER_NAMES, results } from './context';
import { fmtUs, fmtX, fmtMB } from './format';

/** One target: what it asks, what this run measured, and whether it was met (null: information only). */
export interface Target { target: string; measured: string; met: boolean | null; detail: string }

// The sections' records are JSON (see Results in context.ts): read loosely here.
function evaluateTargets(): Target[] {
  const targets: Target[] = [];
  const add = (target: string, measured: string, met: boolean | null, detail = ''): number =>
    targets.push({ target, measured, met, detail });
  const conv = (model: string, threads: number, xnnpack = true): any => results.conv.find((c) => c.model === model &&
    c.threads === threads && c.xnnpack === xnnpack);
  const row = (c: any, key: string): any => c?.rows.find((r: any) => r.key === key);

  if (results.conv.length) {
    for (const key of ['sync', 'async']) {
      const ratios = results.conv.map((c) => [c, row(c, key)?.vsC]).filter(([, x]) => x !== undefined);
      if (ratios.length) {
        const [worst, x] = ratios.reduce((a, b) => (b[1] > a[1] ? b : a));
        add(`conv net, ${key}: addon ≤ 1.02 × C loop (same library, threads, delegate)`,
          `worst ${fmtX(x, 3)} (${worst.model} t${worst.threads} xnnpack ${worst.xnnpack ? 'on' : 'off'}); all: ` +
          ratios.map(([c, r]) => `${c.model}/t${c.threads}/${c.xnnpack ? 'x' : 'nox'} ${r.toFixed(3)}`).join(', '), x <= 1.02);
      }
    }
    const controls = results.conv.map((c) => row(c, 'c2')?.vsC).filter((x) => x !== undefined);
    if (controls.length) {
      add('(reference) a second C loop process vs the first: the noise floor of these ratios',
        `${Math.min(...controls).toFixed(3)}–${Math.max(...controls).toFixed(3)}× across XNNPACK configs`, null);
    }
    const hand = results.conv.map((c) => [c, row(c, 'async')?.median / row(c, 'handoff')?.median])
      .filter(([, x]) => Number.isFinite(x));
    if (hand.length) {
      const worst = Math.max(...hand.map(([, x]) => x));
      add('(reference) conv net, async: addon vs a C loop doing the same thread handoff (≤ 1.02)', `worst ${worst.toFixed(3)}; ` +
        hand.map(([c, x]) => `${c.model}/t${c.threads}/${c.xnnpack ? 'x' : 'nox'} ${x.toFixed(3)}`).join(', '), worst <= 1.02);
      const cost = results.conv.filter((c) => c.xnnpack).map((c) => [c, row(c, 'handoff')?.median / row(c, 'c')?.median])
        .filter(([, x]) => Number.isFinite(x));
      add('(reference) the thread handoff itself, in C: handoff / C loop', cost.map(([c, x]) =>
        `${c.model}/t${c.threads} ${x.toFixed(3)}`).join(', '), null);
    }
    for (const model of ['f32', 'int8']) {
      for (const threads of [1, 2]) {
        const c = conv(model, threads);
        const s = row(c, 'sync');
        const p = row(c, 'python');
        if (s?.median !== undefined && p?.median !== undefined) {
          add(`conv ${model} t${threads}: addon at least as fast as Python tf.lite (XNNPACK on both)`,
            `addon ${fmtUs(s.median)} vs Python ${fmtUs(p.median)}: Python/addon = ${fmtX(p.median / s.median)}`,
            s.median <= p.median);
        }
        for (const peer of PEER_NAMES) {
          const off = row(conv(model, threads, false), peer);
          if (s?.median !== undefined && off?.median !== undefined) {
            add(`conv ${model} t${threads}: ≥ 5 × faster than ${peer}`, `${peer} ${fmtUs(off.median)} / addon ` +
              `${fmtUs(s.median)} = ${fmtX(off.median / s.median, 1)}`, off.median / s.median >= 5);
          }
        }
      }
      const one = row(conv(model, 1), 'sync');
      const two = row(conv(model, 2), 'sync');
      if (one?.median !== undefined && two?.median !== undefined) {
        const cOne = row(conv(model, 1), 'c');
        const cTwo = row(conv(model, 2), 'c');
        add(`conv ${model}: 2 threads ≤ 0.6 × 1 thread`, `${fmtUs(two.median)} / ${fmtUs(one.median)} = ` +
          `${(two.median / one.median).toFixed(3)} (C loop: ${cOne && cTwo ? (cTwo.median / cOne.median).toFixed(3) : '—'})`,
        two.median / one.median <= 0.6);
      }
      const c1 = conv(model, 1);
      if (model === 'int8' && c1) {
        add('int8 runs on XNNPACK\'s QS8 path', `XNNPACK applied: ${c1.xnnpackApplied.addon}, ` +
          `${c1.xnnpackNodes} nodes delegated; plan ${c1.plan ? c1.plan.join(', ') : '—'}`, !!c1.xnnpackApplied.addon);
      }
    }
    const ratios = results.conv.filter((c) => c.xnnpack).map((c) => [c, row(c, 'async')?.median / row(c, 'sync')?.median])
      .filter(([, x]) => Number.isFinite(x));
    if (ratios.length) {
      const worst = Math.max(...ratios.map(([, x]) => x));
      add('conv net: async / sync invoke latency ≤ 1.03', `worst ${worst.toFixed(3)}; ` +
        ratios.map(([c, x]) => `${c.model}/t${c.threads} ${x.toFixed(3)}`).join(', '), worst <= 1.03);
    }
  }
  if (results.tiny) {
    const find = (name: string): any => results.tiny.rows.find((r: any) => r.name.startsWith(name));
    const s = find('addon: write cached input view');
    const c = find('C loop: memcpy in');
    const p = find('Python: set_tensor');
    if (s?.median !== undefined && c?.median !== undefined) {
      add('tiny full call: overhead over the C loop ≤ 0.2 µs', `addon ${fmtUs(s.median)} − C ${fmtUs(c.median)} = ` +
        `${(s.median - c.median).toFixed(3)} µs`, s.median - c.median <= 0.2);
    }
    if (s?.median !== undefined && p?.median !== undefined) {
      add('tiny full call: ≥ 4 × faster than Python set_tensor/invoke/get_tensor', `Python ${fmtUs(p.median)} / ` +
        `addon ${fmtUs(s.median)} = ${fmtX(p.median / s.median, 1)}`, p.median / s.median >= 4);
    }
  }
  if (results.async) {
    const a = results.async;
    add('two interpreters on 2 cores: ≥ 1.8 × one (async throughput)', `${a.modes.async2.perSecond.toFixed(1)} / ` +
      `${a.modes.async1.perSecond.toFixed(1)} runs/s = ${fmtX(a.twoOverOne)} (pool of 2: ${fmtX(a.poolOverOne)}` +
      `${a.cScaling ? `; the machine itself, two C loop processes vs one: ${fmtX(a.cScaling.ratio)}` : ''})`,
    a.twoOverOne >= 1.8);
    const p99 = Math.max(a.modes.async1.lagP99Ms, a.modes.async2.lagP99Ms, a.modes.pool2.lagP99Ms);
    add('(reference) event-loop delay p99 with ONE interpreter running async (a core left for the event loop)',
      `${a.modes.async1.lagP99Ms.toFixed(2)} ms`, a.modes.async1.lagP99Ms < 5);
    add('event-loop delay p99 < 5 ms during async runs', `worst p99 ${p99.toFixed(2)} ms; 1 interpreter ` +
      `${a.modes.async1.lagP99Ms.toFixed(2)} ms, 2 interpreters ${a.modes.async2.lagP99Ms.toFixed(2)} ms (sync loop for ` +
      `contrast: ${a.modes.sync1.lagP99Ms.toFixed(2)} ms` + (a.modes.node2 ? `; Node itself with the same load on its ` +
      `thread pool, no addon: 1 loop ${a.modes.node1.lagP99Ms.toFixed(2)} ms, 2 loops ${a.modes.node2.lagP99Ms.toFixed(2)} ms` : '') +
      (a.cScaling ? `; an idle Node process while two C loops saturate both CPUs: ${a.cScaling.idleNodeLagP99Ms.toFixed(2)} ms)`
        : ')'), p99 < 5);
  }
  if (results.soak) {
    const d = results.soak.default;
    for (const phase of ['cycles', 'invokes', 'async']) {
      const x = d[phase];
      const control = results.soak.semiSpace1MB?.[phase];
      add(`RSS drift ≤ 5 MB: ${x.count} ${phase === 'cycles' ? 'create/invoke/dispose cycles' : phase === 'invokes'
        ? 'sync invokes' : 'invokeAsync runs'}`,
      `${fmtMB(x.rssDriftMB)} (V8 heapTotal ${fmtMB(x.heapTotalDriftMB)}, rest ${fmtMB(x.nonHeapDriftMB)}; tail ` +
        `${x.tailKBPer1000.toFixed(1)} KB/1000)` + (control ? `; with --max-semi-space-size=1: ${fmtMB(control.rssDriftMB)}, ` +
        `tail ${control.tailKBPer1000.toFixed(1)} KB/1000` : ''), x.rssDriftMB <= 5);
    }
  }
  if (results.require) {
    const r = results.require;
    add('require() ≤ 50 ms over bare `node -e 0`', `${r.overBareMs.toFixed(1)} ms (process ${r.requireMs.median.toFixed(1)} vs ` +
      `${r.bareMs.median.toFixed(1)} ms; in-process require ${r.inProcessMs.median.toFixed(1)} ms)`, r.overBareMs <= 50);
  }
  return targets;
}

export { evaluateTargets };
