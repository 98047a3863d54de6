// The corpus section: the compatibility corpus's models (test/corpus/: MediaPipe's production models, the TF 2.21
// converter's output, in every mode) timed per model, ours vs Python tf.lite 2.21 on the same file, input and
// threads, alternated round by round (bench/lib/compare.ts), at 1 and 2 threads; plus cold start (load + allocate +
// first invoke) alternated the same way. Both sides: write the inputs into the zero-copy views, invoke, copy the
// outputs out (addon 'sync', Python 'views').
//
// The alternation is fine-grained (ROUNDS_PER_OPTION rounds of ~60 ms per --rounds) because of how this kind of
// shared VM is noisy: a model's per-call time is bimodal, a fast mode and a slow one about 1.7x slower, switching
// every 5-250 ms, with the slow mode taking 30-90% of the samples at different times (C loop, segmenter_f32: the
// fastest call 527-535 us in 8 runs, their medians 620-930 us). With rounds of 250 ms one engine's rounds could sit
// in the slow mode and the other's not, and a row moved by up to 0.4 between runs; with many short rounds both
// engines sample the two modes alike. Each row reports the ratio of medians (the headline) and the ratio of the
// 10th percentiles (the fast mode, what each engine costs when the host leaves the VM alone).
//
// The control: a second addon process (E.addon2, started by run.ts) runs the same model in the same rounds. Its
// ratio to the first is what this machine alone does to a row (two copies of one engine, alternated by hand, read
// 1.01-1.06 apart on pose_landmark_heavy here, the first-started the slower in 6 of 6 runs whichever loaded its
// model first), so a row above 1.05 against Python can be read against how many rows the control puts outside 1.05.
// Each row also carries the 95% interval of ours / Python from the per-round pairs (bench/lib/paired.ts), and the
// control its own: a row counts as above 1.05 beyond the machine's noise only when its whole interval is.
// Cold start alternates the three the same way.

import { opts, note, log, results } from './context';
import type { Engine, Engines } from './engine';
import { median, sleep } from './format';
import { measured } from './machine';
import { compare } from './compare';
import { against, pairedRatio, type RatioInterval } from './paired';
import { loadAll, freeAll } from './sections';
// test/corpus/corpus.ts, compiled with the tools (dist-tools/test/corpus/): it reads references.json from the package root.
import * as corpus from '../../test/corpus/corpus';
import type { CorpusModel } from '../../test/corpus/corpus';

// Models with a real workload (TensorFlow's testdata ones are a few microseconds of nothing).
function corpusModels() {
  const all = corpus.availableModels().filter((m) => m.source !== 'tensorflow-testdata' &&
    m.python?.defaultDelegates?.invokes);
  const models = opts.models;
  if (models) return all.filter((m) => models.some((name) => m.file.includes(name)));
  return opts.quick ? all.filter((m) => m.committed).slice(0, 3) : all;
}

// The engines each model runs on, with the per-call variant of each (the same work on both sides, see above).
function corpusEngines(E: Engines): { key: string; engine: Engine | null | undefined; variant: string }[] {
  return [{ key: 'addon', engine: E.addon, variant: 'sync' }, { key: 'python', engine: E.python, variant: 'views' },
    { key: 'addon2', engine: E.addon2, variant: 'sync' }];
}

async function coldStart(E: Engines, entry: CorpusModel, reps: number): Promise<Record<string, number | undefined>> {
  const engines = corpusEngines(E).filter((o): o is { key: string; engine: Engine; variant: string } =>
    !!o.engine && !o.engine.dead);
  const acc: Record<string, number[]> = Object.fromEntries(engines.map((o) => [o.key, []]));
  for (let rep = 0; rep < reps; rep++) {
    const k = rep % engines.length;
    for (const { key, engine, variant } of engines.slice(k).concat(engines.slice(0, k))) {
      try {
        const info = await engine.load(950, 1, true, corpus.modelPath(entry));
        const first = (await engine.run(950, variant, 1, 1, 0))[0]!;
        acc[key]!.push(info.loadUs + info.allocUs + first);
        await engine.free(950);
      } catch (error) {
        note(`corpus cold start ${entry.file} ${key}: ${(error as Error).message.split('\n')[0]}`);
      }
      await sleep(20);
    }
  }
  return Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.length ? median(v) : undefined]));
}

const ROUNDS_PER_OPTION = 4;
const ROUND_BUDGET_MS = 60;
const COLD_START_REPS = 9;

async function sectionCorpus(E: Engines): Promise<void> {
  const rows: any[] = [];
  let slot = 600;
  for (const entry of corpusModels()) {
    for (const threads of opts.quick ? [1] : [1, 2]) {
      log(`corpus: ${entry.file}, threads ${threads}`);
      const row: any = await measured(`corpus ${entry.file} t${threads}`, async () => {
        const owners = corpusEngines(E)
          .map((o) => ({ ...o, threads, xnnpack: true, file: corpus.modelPath(entry), slot: slot++ }));
        const loads = await loadAll(owners); // a failed load sets its owner's engine to null
        const variants = owners.filter((o) => o.engine).map((o) => ({ key: o.key, engine: o.engine, slot: o.slot,
          variant: o.variant, batch: 1 }));
        const r = await compare(variants, { rounds: opts.quick ? opts.rounds : opts.rounds * ROUNDS_PER_OPTION,
          budgetMs: ROUND_BUDGET_MS, minIters: 3, maxIters: 400 });
        await freeAll(owners);
        const ours = r.addon?.median;
        const python = r.python?.median;
        const oursFast = r.addon?.p10;
        const pythonFast = r.python?.p10;
        const control = r.addon2?.median;
        return { model: entry.file, threads, addonUs: ours, pythonUs: python, addonP10Us: oursFast,
          pythonP10Us: pythonFast, ratio: ours && python ? ours / python : undefined,
          ratioP10: oursFast && pythonFast ? oursFast / pythonFast : undefined,
          controlRatio: ours && control ? ours / control : undefined,
          interval: pairedRatio(r.addon?.roundMedians, r.python?.roundMedians),
          controlInterval: pairedRatio(r.addon?.roundMedians, r.addon2?.roundMedians),
          xnnpackNodes: loads.addon?.xnnpackNodes, pythonXnnpackNodes: entry.xnnpack?.nodesDelegated,
          error: r.addon?.error || loads.addon?.error };
      });
      if (threads === 1) {
        row.coldStart = await measured(`corpus cold ${entry.file}`,
          () => coldStart(E, entry, opts.quick ? 1 : COLD_START_REPS));
      }
      rows.push(row);
    }
  }
  const geomean = (threads: number, key: 'ratio' | 'ratioP10' | 'controlRatio'): number | undefined => {
    const ratios = rows.filter((r) => r.threads === threads && r[key]).map((r) => Math.log(r[key]));
    return ratios.length ? Math.exp(ratios.reduce((a, b) => a + b, 0) / ratios.length) : undefined;
  };
  results.corpus = { rows, geomean1: geomean(1, 'ratio'), geomean2: geomean(2, 'ratio'),
    geomeanP10_1: geomean(1, 'ratioP10'), geomeanP10_2: geomean(2, 'ratioP10'),
    geomeanControl1: geomean(1, 'controlRatio'), geomeanControl2: geomean(2, 'controlRatio') };
}

/** The section's part of the report: a table per model, ratio ours / Python (below 1: we are faster). */
function corpusReport(md: string[], out: string[]): void {
  const c = results.corpus;
  if (!c || !c.rows.length) return;
  const ms = (us: number | undefined): string => (us === undefined ? '—' : (us / 1000).toFixed(2));
  const x = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(2));
  const range = (i: RatioInterval | undefined): string => (i ? `${i.low.toFixed(2)}-${i.high.toFixed(2)}` : '—');
  md.push('', '## Corpus: ours vs Python tf.lite 2.21, same file, input and threads (median ms per call; ratio < 1: ' +
    'faster than Python)', '');
  md.push('| model | threads | addon | Python | ours / Python | 95% interval (per-round pairs) | p10 ours / Python | ' +
    'ours / ours, 2nd process | its 95% interval | XNNPACK nodes (ours / Python) | cold start addon / Python (ms) |');
  md.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of c.rows) {
    const cold = r.coldStart ? `${ms(r.coldStart.addon)} / ${ms(r.coldStart.python)}` +
      (r.coldStart.addon2 ? ` (2nd process ${ms(r.coldStart.addon2)})` : '') : '';
    md.push(`| ${r.model.replace(/^(models|\.cache)\//, '')} | ${r.threads} | ${ms(r.addonUs)} | ${ms(r.pythonUs)} | ` +
      `${x(r.ratio)} | ${range(r.interval)} | ${x(r.ratioP10)} | ${x(r.controlRatio)} | ${range(r.controlInterval)} | ` +
      `${r.xnnpackNodes ?? '—'} / ` +
      `${r.pythonXnnpackNodes ?? '—'} | ${cold} |`);
  }
  const above = c.rows.filter((r: any) => r.ratio > 1.05).length;
  // How many rows a copy of our own engine puts outside 1.05 either way: the machine's share of the rows above.
  const controlOutside = c.rows.filter((r: any) => r.controlRatio && (r.controlRatio > 1.05 || r.controlRatio < 1 / 1.05))
    .length;
  // Against the intervals: rows wholly above 1.05 (a gap beyond this machine's noise), wholly at or below it, across
  // it; and how often the control's interval excludes 1.00 (about 1 in 20 rows if the intervals are honest).
  const byInterval = (where: string) => c.rows.filter((r: any) => against(r.interval, 1.05) === where).length;
  const [wholly, atOrBelow, across] = [byInterval('above'), byInterval('below'), byInterval('across')];
  const withInterval = c.rows.filter((r: any) => r.interval).length;
  const controlWithInterval = c.rows.filter((r: any) => r.controlInterval);
  const controlExcludesOne = controlWithInterval.filter((r: any) => against(r.controlInterval, 1) !== 'across').length;
  const coldRows = c.rows.filter((r: any) => r.coldStart?.addon && r.coldStart?.python);
  const coldAtOrBelow = coldRows.filter((r: any) => r.coldStart.addon <= r.coldStart.python).length;
  // The control for cold start: how often the first copy of our engine is above the second by more than 5%.
  const coldControlRows = coldRows.filter((r: any) => r.coldStart.addon2);
  const coldControlAbove = coldControlRows.filter((r: any) => r.coldStart.addon > 1.05 * r.coldStart.addon2).length;
  const coldAbove5 = coldRows.filter((r: any) => r.coldStart.addon > 1.05 * r.coldStart.python).length;
  md.push('', `Geometric mean of ours / Python (medians): 1 thread ${x(c.geomean1)}, 2 threads ${x(c.geomean2)}; ` +
    `of the 10th percentiles: 1 thread ${x(c.geomeanP10_1)}, 2 threads ${x(c.geomeanP10_2)}. ` +
    `Cold start at or below Python's: ${coldAtOrBelow} of ${coldRows.length} models. Rows above 1.05 × Python: ` +
    `${above} of ${c.rows.length}. The control (our engine against a second copy of itself in another ` +
    `process, alternated in the same rounds): geometric mean ${x(c.geomeanControl1)} at 1 thread, ` +
    `${x(c.geomeanControl2)} at 2; ${controlOutside} rows outside 1.05 either way. Cold start above Python's by more ` +
    `than 5%: ${coldAbove5} of ${coldRows.length}; the first copy of our engine above the second by more than 5%: ` +
    `${coldControlAbove} of ${coldControlRows.length}. By the 95% intervals of the per-round pairs: ${wholly} ` +
    `of ${withInterval} rows wholly above 1.05, ${atOrBelow} wholly at or below it, ${across} across it; ` +
    `the control's interval excludes 1.00 on ${controlExcludesOne} of ${controlWithInterval.length} rows.`);
  out.push(`corpus: geometric mean ours/Python 1T ${x(c.geomean1)}, 2T ${x(c.geomean2)} (p10: ` +
    `${x(c.geomeanP10_1)}, ${x(c.geomeanP10_2)}) over ${c.rows.length} rows, ${above} above 1.05; cold ` +
    `start <= Python ${coldAtOrBelow}/${coldRows.length}; control ours/ours ${x(c.geomeanControl1)}, ` +
    `${x(c.geomeanControl2)}, ${controlOutside} rows outside 1.05; cold start > 1.05 x Python ${coldAbove5}/` +
    `${coldRows.length}, > 1.05 x ours ${coldControlAbove}/${coldControlRows.length}; 95% interval wholly above ` +
    `1.05 ${wholly}/${withInterval}, control interval excluding 1.00 ${controlExcludesOne}/` +
    `${controlWithInterval.length}`);
}

export { sectionCorpus, corpusReport };
