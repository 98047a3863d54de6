// The printed tables and bench/RESULTS.md.

import { corpusReport } from './corpus-section';
import { execFileSync } from 'child_process';
import * as os from 'os';
import { ROOT, PEER_NAMES, argv, opts, notes, results, sectionState, peerStatus } from './context';
import { fmtUs, fmtX, fmtMB, table, mdTable } from './format';
import type { Target } from './targets';

function machineInfo(versions: Record<string, string | null>): Record<string, any> {
  let model = os.cpus()[0]?.model || 'unknown';
  try {
    const m = execFileSync('lscpu', { encoding: 'utf8' }).match(/^Model name:\s*(.+)$/m);
    if (m) model = m[1].trim();
  } catch { /* no lscpu */ }
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'native', 'prebuilds'], { cwd: ROOT,
      encoding: 'utf8' }).trim();
    if (dirty) commit += ' (+ uncommitted changes in lib/native/prebuilds)';
  } catch { /* not a git checkout */ }
  const cmd = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`
    : `node dist-tools/bench/run.js${argv.length ? ` ${argv.join(' ')}` : ''}`;
  return { cpu: model, cores: os.cpus().length, memGB: +(os.totalmem() / 2 ** 30).toFixed(1), kernel: os.release(),
    node: process.version, date: new Date().toISOString(), command: cmd, commit, ...versions };
}

function report(machine: Record<string, any>, targets: Target[]): { text: string; md: string } {
  const out: string[] = [];
  const md: string[] = [];
  const both = (text: string): void => { out.push(text); md.push(text); };
  md.push('# tflite-runtime benchmarks', '');
  md.push(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGB} GB, Linux ${machine.kernel}; Node ` +
    `${machine.node}; TFLite ${machine.tflite}: addon ${machine.addonBinary} over ${machine.library}, the same library the ` +
    `C loop links; ` +
    `${machine.python ? `Python tf.lite ${machine.python}` : 'Python: skipped'}; peers: ` +
    `${PEER_NAMES.map((p) => `${p} ${peerStatus[p]?.ok ? peerStatus[p].version : 'skipped'}`).join(', ')}.`);
  md.push(`Date: ${machine.date}. Command: \`${machine.command}\`${machine.commit ? ` at ${machine.commit}` : ''}. ` +
    `Total time ${machine.totalSeconds} s.`, '');
  md.push('Machine state per measured unit: load average (1/5/15 min) at its start and end, CPU busy just before it, and ' +
    'the share of all CPUs that other processes used while it ran (all CPU time minus this benchmark\'s process ' +
    `tree). Units where others used > ${opts.retryOthers * 100}% are measured again (up to ${opts.attempts} attempts).`, '');
  md.push('"2 threads" is a probe run before and after each unit: two threads of integer work vs one (2.00 = the two ' +
    'vCPUs are independent; the host can place them on one core\'s SMT siblings for a while, which no load figure shows). ' +
    'Units below 1.8 are measured again too.', '');
  md.push(mdTable(['unit', 'attempt', 'time', 'load start', 'load end', 'busy before', 'others during', '2 threads', 'waited',
    'builds seen'], Object.entries(sectionState).map(([k, s]) => [k, s.attempt, `${s.seconds} s`, s.loadStart.join(' '),
    s.loadEnd.join(' '), `${(s.busyBefore * 100).toFixed(0)}%`, `${(s.othersDuring * 100).toFixed(1)}%`,
    Number.isFinite(s.parallel) ? `${s.parallel.toFixed(2)}×` : '—', `${s.waitedSeconds} s`, s.buildsRunning.join(' ') || '—'])), '');
  out.push(`\n${machine.cpu}, ${machine.cores} cores; node ${machine.node}; ${machine.date}; ${machine.command}`);

  if (targets.length) {
    both('');
    md.push('## Targets', '');
    out.push('== Targets');
    const rows = targets.map((t: Target) => [t.met === null ? 'info' : t.met ? 'met' : 'MISSED', t.target, t.measured]);
    out.push(table(['status', 'target', 'measured'], rows));
    md.push(mdTable(['status', 'target', 'measured (this run)'], rows));
  }

  if (results.conv.length) {
    both('');
    md.push('## Conv net: MobileNetV2 224 (median / p90 per call, one input copy in and output copy out)', '');
    out.push('== Conv net: MobileNetV2 224 (per call)');
    const headers = ['model', 'threads', 'XNNPACK', 'engine / variant', 'median', 'p90', '× C loop', 'Python ÷ this', 'n'];
    const rows = [];
    for (const c of results.conv) {
      for (const r of c.rows) {
        rows.push([c.model, c.threads, c.xnnpack ? 'on' : 'off', r.name, r.error ? `— (${r.error.slice(0, 60)})` : fmtUs(r.median),
          fmtUs(r.p90), fmtX(r.vsC, 3), fmtX(r.pythonOverThis), r.n ?? '']);
      }
    }
    out.push(table(headers, rows));
    md.push(mdTable(headers, rows));
    const i8 = results.conv.find((c) => c.model === 'int8' && c.xnnpack);
    const f = results.conv.find((c) => c.model === 'f32' && c.xnnpack);
    if (f || i8) {
      const planText = [f, i8].filter(Boolean).map((c) => `${c.model}: ${c.plan.join(', ')}`).join('; ');
      md.push('', `Execution plan with XNNPACK (addon): ${planText}.`);
      out.push(`plan with XNNPACK: ${planText}`);
    }
  }

  if (results.tiny) {
    both('');
    md.push(`## Tiny model: per-call overhead (${results.tiny.model}, 1 thread; batches of calls, time per call)`, '');
    out.push('== Tiny model (per call)');
    const headers = ['engine / variant', 'XNNPACK', 'median', 'p90', 'over C loop', 'Python ÷ this', 'n'];
    const rows = results.tiny.rows.map((r: any) => [r.name, r.xnnpack ? 'on' : 'off', r.error ? `— (${r.error.slice(0, 50)})`
      : fmtUs(r.median), fmtUs(r.p90), r.overVsCUs === undefined ? '—' : `${r.overVsCUs >= 0 ? '+' : ''}${r.overVsCUs.toFixed(3)} µs`,
    fmtX(r.vsPython, 1), r.n ?? '']);
    out.push(table(headers, rows));
    md.push(mdTable(headers, rows));
  }

  if (results.load.length) {
    both('');
    md.push('## Load + allocate (1 thread, median)', '');
    out.push('== Load + allocate (median)');
    const headers = ['model', 'engine', 'XNNPACK', 'load (create + delegate)', 'allocate', 'load + allocate', 'first call', 'n'];
    const rows = results.load.map((l) => [l.model, l.engine, l.xnnpack ? 'on' : 'off', l.error && !l.n ? `— (${l.error.slice(0, 50)})`
      : fmtUs(l.loadUs), fmtUs(l.allocUs), fmtUs((l.loadUs ?? NaN) + (l.allocUs ?? NaN)), fmtUs(l.firstInvokeUs), l.n]);
    out.push(table(headers, rows));
    md.push(mdTable(headers, rows));
    md.push('', 'tfjs-tflite-node allocates inside its constructor (allocate shows 0).');
  }

  if (results.require) {
    const r = results.require;
    both('');
    md.push('## require() time', '');
    out.push('== require()');
    const rows = [['node -e 0 (wall)', `${r.bareMs.median.toFixed(1)} ms`, `${r.bareMs.p90.toFixed(1)} ms`],
      [`node -e "require('tflite-runtime')" (wall)`, `${r.requireMs.median.toFixed(1)} ms`, `${r.requireMs.p90.toFixed(1)} ms`],
      ['difference', `${r.overBareMs.toFixed(1)} ms`, ''],
      ['require() measured inside the process', `${r.inProcessMs.median.toFixed(1)} ms`, `${r.inProcessMs.p90.toFixed(1)} ms`]];
    out.push(table(['', 'median', 'p90'], rows));
    md.push(mdTable(['', 'median', 'p90'], rows), '', `${r.reps} alternated runs each.`);
  }

  if (results.async) {
    const a = results.async;
    both('');
    md.push(`## Async: throughput and event-loop delay (${a.model}, 1 thread per interpreter, XNNPACK on; ` +
      `${a.seconds} s per mode, ${a.rounds} alternated rounds)`, '');
    out.push('== Async throughput / event-loop delay');
    const names: Record<string, string> = { sync1: '1 interpreter, sync invoke() (loop yields with setImmediate between calls)',
      async1: '1 interpreter, await invokeAsync() in a loop', async2: '2 interpreters, two concurrent invokeAsync loops',
      pool2: 'createPool size 2, two concurrent pool.run() loops',
      node1: 'no addon: Node\'s crypto.pbkdf2 on the libuv pool, jobs as long as one invoke, 1 loop',
      node2: 'no addon: the same, 2 concurrent loops' };
    const rows = Object.entries(a.modes as Record<string, any>).map(([k, m]) => [names[k] || k, m.perSecond.toFixed(1),
      fmtX(m.perSecond / (k.startsWith('node') ? a.modes.node1 : a.modes.async1).perSecond), `${m.lagP50Ms.toFixed(2)} ms`,
      `${m.lagP99Ms.toFixed(2)} ms`, `${m.lagMaxMs.toFixed(2)} ms`]);
    const headers = ['mode', 'runs/s', 'vs 1 loop', 'loop delay p50', 'p99 (worst round)', 'max'];
    out.push(table(headers, rows));
    md.push(mdTable(headers, rows));
    if (a.cScaling) {
      const text = `Reference without the addon: one C loop process ${a.cScaling.onePerSecond.toFixed(1)} runs/s, two at once ` +
        `${a.cScaling.twoPerSecond.toFixed(1)} runs/s together (${fmtX(a.cScaling.ratio)}); meanwhile an idle Node process ` +
        `(no addon, nothing to do) saw event-loop delay p50 ${a.cScaling.idleNodeLagP50Ms.toFixed(2)} ms, p99 ` +
        `${a.cScaling.idleNodeLagP99Ms.toFixed(2)} ms.`;
      out.push(text);
      md.push('', text);
    }
  }

  if (results.soak) {
    const s = results.soak;
    both('');
    md.push(`## Memory soak (${s.model}; RSS after forced GCs; drift = last sample − sample at 25% (warm-up); tail = ` +
      'RSS growth per 1000 operations over the second half)', '');
    out.push('== Memory soak');
    const headers = ['phase', 'node flags', 'count', 'time', 'RSS after warm-up', 'RSS last', 'RSS drift', 'V8 heapTotal drift',
      'non-V8 drift', 'tail'];
    const rows = [];
    for (const [label, run] of [['default', s.default], ['--max-semi-space-size=1', s.semiSpace1MB]]) {
      if (!run) continue;
      for (const phase of ['cycles', 'invokes', 'async']) {
        const x = run[phase];
        rows.push([phase === 'cycles' ? 'create/allocate/invoke/dispose' : phase === 'invokes' ? 'sync invoke (+ run())'
          : 'invokeAsync', label, x.count, `${x.seconds.toFixed(1)} s`, `${x.rssAfterWarmupMB.toFixed(1)} MB`,
        `${x.rssLastMB.toFixed(1)} MB`, fmtMB(x.rssDriftMB), fmtMB(x.heapTotalDriftMB), fmtMB(x.nonHeapDriftMB),
        `${x.tailKBPer1000 >= 0 ? '+' : ''}${x.tailKBPer1000.toFixed(1)} KB/1000`]);
      }
    }
    out.push(table(headers, rows));
    md.push(mdTable(headers, rows));
  }

  if (results.profile && results.profile.length) {
    both('');
    md.push('## Inside one invoke: C loop (this package\'s library) vs Python tf.lite 2.21 (perf; CPU ms per invoke by ' +
      'symbol, all threads; XNNPACK on)', '');
    out.push('== Profile: CPU ms per invoke by symbol (perf samples, all threads), C loop vs Python');
    const headers = ['model', 'symbol', 'C loop (TFLite 2.14.1 lib)', 'Python tf.lite'];
    const rows = [];
    for (const p of results.profile) {
      const c = p.engines.c?.kernels || [];
      const py = p.engines.python?.kernels || [];
      const syms = [...new Set([...c.slice(0, 6), ...py.slice(0, 6)].map((k) => k.sym))];
      rows.push([p.label, '(invoke wall time, median of the profiled run)', fmtUs(p.engines.c?.medianUs),
        fmtUs(p.engines.python?.medianUs)]);
      for (const sym of syms) {
        const f = (list: any[]): string => { const k = list.find((x) => x.sym === sym); return k ? `${k.ms.toFixed(3)} ms` : '—'; };
        rows.push([p.label, sym.length > 70 ? `${sym.slice(0, 67)}...` : sym, f(c), f(py)]);
      }
    }
    out.push(table(headers, rows));
    md.push(mdTable(headers, rows));
    const sum = (p: any, engine: string, re: RegExp): number => (p?.engines[engine]?.kernels || []).filter((k: any) => re.test(k.sym))
      .reduce((a: number, k: any) => a + k.ms, 0);
    const f = results.profile.find((p: any) => p.model === 'f32' && p.threads === 1);
    const pc = results.profile.find((p: any) => p.model === 'int8pc' && p.threads === 1);
    const i2 = results.profile.find((p: any) => p.model === 'int8' && p.threads === 2);
    const lines: string[] = [];
    if (f?.engines.c && f?.engines.python) {
      const g = (e: string): string => sum(f, e, /^xnn_f32_i?gemm/).toFixed(2);
      const d = (e: string): string => sum(f, e, /^xnn_f32_dwconv/).toFixed(2);
      lines.push(`f32: both run the same XNNPACK operators on AVX-512 kernels. The library's XNNPACK (Debian ` +
        `0.0~git20241108, driven by TFLite 2.14.1's delegate) runs every 1x1 convolution on the 7x32 GEMM tile and ` +
        `the classifier on 1x32; TF 2.21's XNNPACK also picks 7x16 / 1x16 tiles (less padding on MobileNetV2's ` +
        `16/24/144-channel layers and the 1000-wide classifier). GEMM time per invoke: ${g('c')} ms here vs ${g('python')} ms ` +
        `in Python; depthwise: ${d('c')} vs ${d('python')} ms. The gap is in the library's kernels, not in the binding ` +
        `(addon vs C loop above).`);
    }
    if (pc?.engines.c) {
      lines.push(`int8pc: TFLite 2.14.1's XNNPACK delegate accepts an int8 FULLY_CONNECTED only with per-tensor weights ` +
        `(CheckTensorFloat32OrQUInt8Type in delegates/xnnpack/xnnpack_delegate.cc refuses scale->size != 1), and the ` +
        `converter writes per-channel dense weights by default. That node then runs on TFLite's ruy kernel, which ` +
        `repacks the 1000x1280 weights on every invoke: ${sum(pc, 'c', /^ruy::/).toFixed(3)} ms per invoke here vs ` +
        `${sum(pc, 'python', /1x16c8/).toFixed(3)} ms for the same layer on XNNPACK in Python. The int8 twin used for ` +
        'the targets is converted with per-tensor dense weights (bench/make_models.py) and runs everything but SOFTMAX ' +
        '(float-only in 2.14.1\'s delegate) on XNNPACK\'s QS8 path.');
    }
    if (i2?.engines.c && i2?.engines.python) {
      const d = (e: string): string => sum(i2, e, /^xnn_qs8_qc8w_dwconv/).toFixed(2);
      const g = (e: string): string => sum(i2, e, /^xnn_qs8_qc8w_i?gemm/).toFixed(2);
      const pool = (e: string): string => sum(i2, e, /^(pthreadpool|thread_main)/).toFixed(2);
      lines.push(`int8 with 2 threads: the same kernels, but the library's XNNPACK spends ${d('c')} ms of CPU per invoke in ` +
        `the depthwise kernel (both threads) vs ${d('python')} ms in TF 2.21's (GEMM ${g('c')} vs ${g('python')} ms; ` +
        `thread-pool code ${pool('c')} vs ${pool('python')} ms): how the 2024-11 XNNPACK splits depthwise work across ` +
        'threads, again a property of the library build, not of the binding.');
    }
    if (lines.length) {
      md.push('');
      for (const l of lines) md.push(`- ${l}`);
      out.push(...lines.map((l) => `- ${l}`));
    }
  }

  const peerNotes = PEER_NAMES.filter((p) => peerStatus[p] && !peerStatus[p].ok).map((p) => `${p}: skipped (${peerStatus[p].why})`);
  if (notes.length || peerNotes.length) {
    both('');
    md.push('## Notes', '');
    out.push('== Notes');
    for (const n of [...peerNotes, ...notes]) {
      md.push(`- ${n}`);
      out.push(`- ${n}`);
    }
  }
  corpusReport(md, out);
  return { text: out.join('\n'), md: md.join('\n') + '\n' };
}

export { machineInfo, report };
