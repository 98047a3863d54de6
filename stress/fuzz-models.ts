// Model fuzzing: mutants of the fixture models (stress/lib/mutate.ts, deterministic in --seed) pushed through
// load → inspect → allocate → fill → invokeAsync (time-limited) → read → dispose (stress/lib/run-model.js), in
// batches, each batch in a child process, so a crash is counted, not fatal.
//
//   node dist-tools/stress/fuzz-models.js [--count 10000] [--seed 1] [--batch 250] [--jobs 1] [--timeout-ms 2000]
//                              [--out stress/results/fuzz.json] [--crashes stress/crashes] [--as-limit-mb 3072]
//                              [--stall-s 60] [--walk 20] [--quiet]
//   node dist-tools/stress/fuzz-models.js --replay FILE.tflite [--xnnpack true|false] [--via buffer|file] [--fill-seed N]
//                                                      run one saved model in this process as the campaign did
//   node dist-tools/stress/fuzz-models.js --show SEED:INDEX        describe a mutant and write it to ./mutant-SEED-INDEX.tflite
//
// Each child takes the range [from, to) of mutant indices, regenerates every mutant from (seed, index) itself and
// appends one JSON line per model to a results file with synchronous writes, so what finished before a crash is on
// disk. When a child dies (signal, abnormal exit, or no progress for --stall-s), the first index without a line is
// the suspect: it is re-run alone in a fresh child to confirm; when it crashes alone it is a reproducible crash,
// saved to --crashes with its description; when it does not, the --walk models before it are re-run one per child
// to find one that does. The rest of the batch then continues in a new child.
// Even indices run with XNNPACK (the default), odd ones without, so both the delegate and the built-in kernels see
// every kind of mutation. Children run under `prlimit --as` (when available): a model that asks for more memory
// than that gets an allocation failure instead of taking the machine's memory.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ChildProcess } from 'child_process';
import type { RunModelResult } from './lib/run-model';
import { ROOT } from './lib/runtime';

// The library is loaded by the children only (model-bytes and run-model are required where they are used): the
// parent survives every crash.
const HERE = path.join(ROOT, 'stress');
const args = parseArgs(process.argv.slice(2));

function parseArgs(argv: string[]): Record<string, string | undefined> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const value = argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--') ? argv[++i]! : 'true';
    out[key] = value;
  }
  return out;
}

const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));
/** One mutant in eight is loaded from a file (TFLite maps it) instead of a Buffer. */
const viaFile = (index: number): boolean => index % 8 === 3;

if (args.child) {
  child().catch((error: Error) => {
    process.stderr.write(`fuzz child failed: ${error.stack}\n`);
    process.exit(70);
  });
} else if (args.replay) {
  replay(args.replay);
} else if (args.show) {
  show(args.show);
} else {
  parent().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

/** One line of a child's results file: a model's result (the p/s lines, stages entered, are read apart). */
interface Line {
  i: number;
  base: string;
  strategies: unknown[];
  code?: string | null;
  message?: string;
  stack?: string;
  outcome: RunModelResult['outcome'] | 'crash' | 'hang';
  stage: string;
  ms?: number;
}

interface Opts {
  count: number;
  seed: number;
  batch: number;
  jobs: number;
  timeoutMs: number;
  stallMs: number;
  out: string;
  crashDir: string;
  prefix: string[];
  env: Record<string, string>;
  quiet: boolean;
  walk: number;
}

interface ChildRun {
  done: Map<number, Line>;
  stages: Map<number, string>;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  stalled: boolean;
  stderr: string;
}

interface Found { index: number; run: ChildRun; reproducible: boolean; note?: string }

// ---- child: one batch ------------------------------------------------------------------------------------------

async function child() {
  const { mutant } = require('./lib/model-bytes') as typeof import('./lib/model-bytes');
  const { runModel } = require('./lib/run-model') as typeof import('./lib/run-model');
  const seed = num(args.seed, 1);
  const from = num(args.from, 0);
  const to = num(args.to, from + 1);
  const timeoutMs = num(args.timeoutMs, 2000);
  const fd = fs.openSync(args.results!, 'a');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-fuzz-'));
  try {
    for (let index = from; index < to; index++) {
      const m = mutant(seed, index);
      const started = process.hrtime.bigint();
      // One in eight goes through a file (TFLite maps it: VerifyAndBuildFromFile) instead of a Buffer.
      let source: Buffer | string = m.bytes;
      if (viaFile(index) && m.bytes.length > 0) {
        source = path.join(tmp, `m${index}.tflite`);
        fs.writeFileSync(source, m.bytes);
      }
      const onStage = (stage: string): number => fs.writeSync(fd, `{"p":${index},"s":"${stage}"}\n`);
      const result = await runModel(source, { xnnpack: index % 2 === 0, timeoutMs, seed: index, onStage });
      if (typeof source === 'string') fs.rmSync(source, { force: true });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { i: index, base: m.base, strategies: m.strategies, ...result, ms: Math.round(ms) };
      fs.writeSync(fd, `${JSON.stringify(line)}\n`);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // Leave through the normal exit path (finalizers, cleanup hooks): a crash at teardown counts too.
}

// ---- replay / show ---------------------------------------------------------------------------------------------

function replay(file: string): void {
  const { runModel } = require('./lib/run-model') as typeof import('./lib/run-model');
  let source: Buffer | string = path.resolve(file);
  if (args.via !== 'file') {
    const bytes = fs.readFileSync(file);
    const copy = Buffer.alloc(bytes.length);
    bytes.copy(copy);
    source = copy;
  }
  const xnnpack = args.xnnpack !== 'false';
  runModel(source, { xnnpack, timeoutMs: num(args.timeoutMs, 2000), seed: num(args.fillSeed, 1) }).then((result) => {
    console.log(JSON.stringify(result));
  });
}

function show(spec: string): void {
  const { mutant } = require('./lib/model-bytes') as typeof import('./lib/model-bytes');
  const [seed = NaN, index = NaN] = spec.split(':').map(Number);
  const m = mutant(seed, index);
  const file = `mutant-${seed}-${index}.tflite`;
  fs.writeFileSync(file, m.bytes);
  console.log(JSON.stringify({ seed, index, base: m.base, strategies: m.strategies, notes: m.notes,
    bytes: m.bytes.length, xnnpack: index % 2 === 0, file }, null, 2));
}

// ---- parent ----------------------------------------------------------------------------------------------------

function prlimitPrefix(limitMb: number): string[] {
  if (!limitMb) return [];
  const probe = spawnSync('prlimit', ['--version'], { stdio: 'ignore' });
  return probe.status === 0 ? ['prlimit', `--as=${limitMb * 1024 * 1024}`, '--'] : [];
}

/** Runs mutants [from, to) in one child. Resolves { done: Map<index, result>, exit: {code, signal}, stalled, stderr }. */
function runChild(opts: Opts, from: number, to: number, resultsFile: string): Promise<ChildRun> {
  return new Promise((resolve) => {
    fs.writeFileSync(resultsFile, '');
    const nodeArgs = [...process.execArgv.filter((a) => !a.startsWith('--inspect')), __filename, '--child',
      '--seed', String(opts.seed), '--from', String(from), '--to', String(to),
      '--timeout-ms', String(opts.timeoutMs), '--results', resultsFile];
    const command = [...opts.prefix, process.execPath, ...nodeArgs];
    const proc: ChildProcess = spawn(command[0]!, command.slice(1), {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d;
      if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024);
    });
    let lastSize = 0;
    let lastProgress = Date.now();
    let stalled = false;
    const watchdog = setInterval(() => {
      let size = 0;
      try { size = fs.statSync(resultsFile).size; } catch { /* not yet */ }
      if (size !== lastSize) {
        lastSize = size;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > opts.stallMs) {
        stalled = true;
        proc.kill('SIGKILL');
      }
    }, 1000);
    proc.on('close', (code, signal) => {
      clearInterval(watchdog);
      const done = new Map<number, Line>();
      const stages = new Map<number, string>(); // index -> the last stage it entered
      for (const line of fs.readFileSync(resultsFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const r = JSON.parse(line);
          if (r.p !== undefined) stages.set(r.p, r.s);
          else done.set(r.i, r);
        } catch { /* a torn last line: that model did not finish */ }
      }
      resolve({ done, stages, exit: { code, signal }, stalled, stderr });
    });
  });
}

const abnormal = (run: ChildRun): boolean => run.stalled || run.exit.signal !== null || run.exit.code !== 0;

function describeExit(run: ChildRun): string {
  if (run.stalled) return 'stalled (no progress; killed)';
  if (run.exit.signal) return `signal ${run.exit.signal}`;
  return `exit code ${run.exit.code}`;
}

async function parent(): Promise<void> {
  const opts: Opts = {
    count: num(args.count, 10000),
    seed: num(args.seed, 1),
    batch: num(args.batch, 250),
    jobs: num(args.jobs, 1),
    timeoutMs: num(args.timeoutMs, 2000),
    stallMs: num(args.stallS, 60) * 1000,
    out: path.resolve(args.out || path.join(HERE, 'results', 'fuzz.json')),
    crashDir: path.resolve(args.crashes || path.join(HERE, 'crashes')),
    prefix: prlimitPrefix(num(args.asLimitMb, 3072)),
    env: {},
    quiet: args.quiet === 'true',
    walk: num(args.walk, 20),
  };
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.mkdirSync(opts.crashDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-fuzz-parent-'));
  const { mutant } = require('./lib/model-bytes') as typeof import('./lib/model-bytes');
  const started = Date.now();

  const results = new Map<number, Line>(); // index -> result line
  const crashes: Record<string, unknown>[] = [];        // { index, kind, exit, reproducible, file, ... }
  let childRuns = 0;

  async function isolate(index: number, batchFrom: number, firstRun: ChildRun): Promise<Found> {
    // Alone, in a fresh child: does this model crash by itself?
    const file = path.join(work, `alone-${index}.jsonl`);
    const alone = await runChild(opts, index, index + 1, file);
    childRuns++;
    if (abnormal(alone)) return { index, run: alone, reproducible: true };
    if (alone.done.has(index)) results.set(index, alone.done.get(index)!);
    // Not alone: walk the models before it one per child (the last --walk, default 20), to find one that crashes
    // alone and only brought the process down later (results are written synchronously, so this is rare).
    for (let i = Math.max(batchFrom, index - opts.walk); i < index; i++) {
      const one = await runChild(opts, i, i + 1, path.join(work, `walk-${i}.jsonl`));
      childRuns++;
      if (abnormal(one)) return { index: i, run: one, reproducible: true, note: `batch crash at ${index} isolated to ${i}` };
    }
    return { index, run: firstRun, reproducible: false, note: 'crashed in its batch but not alone (state from earlier models?)' };
  }

  function saveCrash(found: Found): void {
    const m = mutant(opts.seed, found.index);
    const name = `seed${opts.seed}-${found.index}`;
    const modelFile = path.join(opts.crashDir, `${name}.tflite`);
    fs.writeFileSync(modelFile, m.bytes);
    const record = {
      index: found.index, seed: opts.seed, base: m.base, strategies: m.strategies, notes: m.notes,
      xnnpack: found.index % 2 === 0, exit: describeExit(found.run), reproducible: found.reproducible,
      stage: found.run.stages.get(found.index) ?? 'unknown',
      note: found.note, stderrTail: found.run.stderr.slice(-4000), file: path.relative(process.cwd(), modelFile),
      via: viaFile(found.index) ? 'file' : 'buffer',
      replay: `node dist-tools/stress/fuzz-models.js --replay ${path.relative(process.cwd(), modelFile)} --xnnpack ` +
        `${found.index % 2 === 0} --via ${viaFile(found.index) ? 'file' : 'buffer'} --fill-seed ${found.index}`,
    };
    fs.writeFileSync(path.join(opts.crashDir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
    crashes.push(record);
    log(`  CRASH model ${found.index} (${m.base}, ${m.strategies.join('+')}) in ${record.stage}: ${record.exit}` +
      `${found.reproducible ? '' : ' [not reproducible alone]'} -> ${record.file}`);
  }

  async function runBatch(from: number, to: number, slot: number): Promise<void> {
    let start = from;
    while (start < to) {
      const file = path.join(work, `batch-${slot}-${start}.jsonl`);
      const run = await runChild(opts, start, to, file);
      childRuns++;
      for (const [i, r] of run.done) results.set(i, r);
      if (!abnormal(run)) {
        const missing: number[] = [];
        for (let i = start; i < to; i++) if (!run.done.has(i)) missing.push(i);
        if (missing.length) throw new Error(`child exited 0 without results for ${missing.slice(0, 5)}`);
        return;
      }
      let suspect = start;
      while (run.done.has(suspect)) suspect++;
      if (suspect >= to) {
        // every model finished, then the process died: a crash at teardown
        crashes.push({ index: null, kind: 'teardown', exit: describeExit(run), range: [start, to], stderrTail: run.stderr.slice(-4000) });
        log(`  CRASH at teardown after models ${start}..${to - 1}: ${describeExit(run)}`);
        return;
      }
      const found = await isolate(suspect, start, run);
      saveCrash(found);
      const m = mutant(opts.seed, found.index);
      results.set(found.index, { i: found.index, base: m.base, strategies: m.strategies,
        stage: found.run.stages.get(found.index) ?? 'unknown',
        outcome: run.stalled && !found.reproducible ? 'hang' : 'crash' });
      start = suspect + 1;
    }
  }

  const batches: [number, number][] = [];
  for (let from = 0; from < opts.count; from += opts.batch) batches.push([from, Math.min(opts.count, from + opts.batch)]);
  let next = 0;
  let finished = 0;
  async function worker(slot: number): Promise<void> {
    while (next < batches.length) {
      const [from, to] = batches[next++]!;
      await runBatch(from, to, slot);
      finished++;
      if (!opts.quiet || finished === batches.length) {
        log(`batch ${finished}/${batches.length} (${from}..${to - 1}) ${Math.round((Date.now() - started) / 1000)} s, ` +
          `crashes so far ${crashes.length}`);
      }
    }
  }
  await Promise.all(Array.from({ length: opts.jobs }, (_, slot) => worker(slot)));
  fs.rmSync(work, { recursive: true, force: true });

  const summary = summarize(opts, results, crashes, childRuns, (Date.now() - started) / 1000);
  fs.writeFileSync(opts.out, `${JSON.stringify(summary, null, 2)}\n`);
  printSummary(summary, opts.out);
  if (summary.crashes > 0 || summary.outcomes.untyped > 0) process.exitCode = 1;
}

type Counts = Record<string, number>;

function summarize(opts: Opts, results: Map<number, Line>, crashes: unknown[], childRuns: number, seconds: number) {
  const outcomes: Counts & { ran: number; rejected: number; untyped: number; crash: number; hang: number } =
    { ran: 0, rejected: 0, untyped: 0, crash: 0, hang: 0 };
  const byStage: Counts = {};
  const byCode: Counts = {};
  const byStrategy: Record<string, Counts> = {};
  const untyped: object[] = [];
  const crashStages: Counts = {};
  let slowest: { ms: number; [k: string]: unknown } = { ms: 0 };
  for (const r of results.values()) {
    outcomes[r.outcome] = (outcomes[r.outcome] || 0) + 1;
    if (r.outcome === 'crash' || r.outcome === 'hang') crashStages[r.stage] = (crashStages[r.stage] || 0) + 1;
    if (r.outcome === 'rejected') {
      const key = `${r.stage}:${r.code}`;
      byStage[key] = (byStage[key] || 0) + 1;
      byCode[String(r.code)] = (byCode[String(r.code)] || 0) + 1;
    }
    for (const s of (r.strategies || []) as string[]) {
      byStrategy[s] ??= { ran: 0, rejected: 0, untyped: 0, crash: 0, hang: 0 };
      byStrategy[s]![r.outcome]!++;
    }
    if (r.outcome === 'untyped' && untyped.length < 50) {
      untyped.push({ index: r.i, base: r.base, strategies: r.strategies, stage: r.stage, message: r.message, stack: r.stack });
    }
    if ((r.ms ?? 0) > slowest.ms) slowest = { ms: r.ms ?? 0, index: r.i, base: r.base, outcome: r.outcome, stage: r.stage };
  }
  return {
    seed: opts.seed, models: opts.count, completed: results.size, seconds: Math.round(seconds), childRuns,
    batch: opts.batch, jobs: opts.jobs, timeoutMs: opts.timeoutMs,
    memoryLimit: opts.prefix.length ? opts.prefix[1] : 'none',
    node: process.version,
    outcomes, crashes: crashes.length, crashesAt: crashStages, rejectedBy: sortObject(byCode), rejectedAt: sortObject(byStage),
    byStrategy, slowest, untyped, crashList: crashes,
  };
}

function sortObject(o: Counts): Counts {
  return Object.fromEntries(Object.entries(o).sort((a, b) => b[1] - a[1]));
}

function printSummary(s: ReturnType<typeof summarize>, out: string): void {
  log(`\nfuzzed ${s.models} models (seed ${s.seed}) in ${s.seconds} s, ${s.childRuns} child processes`);
  log(`  ran ${s.outcomes.ran}, rejected with a code ${s.outcomes.rejected}, untyped errors ${s.outcomes.untyped}, ` +
    `crashes ${s.crashes}, hangs ${s.outcomes.hang || 0}`);
  if (s.crashes) log(`  crashes by stage: ${Object.entries(s.crashesAt).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  log(`  rejected by code: ${Object.entries(s.rejectedBy).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  log(`  summary: ${path.relative(process.cwd(), out)}`);
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
