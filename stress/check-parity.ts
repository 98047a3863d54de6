// The native graph check (native/model_check_rules.cc) against the JavaScript one it replaced (lib/model-check/
// rules.ts until the switch): both run on every model the verifier accepts, and every difference in their reports
// (problem, rule, xnnpackHazard, validPools) is printed. Models: the compatibility corpus (test/corpus/models and
// its .cache), the fixtures, stress/seeds, the saved crash reproducers (stress/crashes), every hostile model
// (stress/lib/hostile.ts) and --count fuzz mutants (stress/lib/mutate.ts). A model given by path is checked by path
// on both sides (TFLite maps it; the JS check read it in 64 KiB pages), bytes as bytes.
//
//   node dist-tools/stress/check-parity.js [--count 5000] [--seed 1] [--js-dist DIR] [--out FILE]
//   node dist-tools/stress/check-parity.js --time [--js-dist DIR]      the check's cost, warm and at a fresh process's
//                                                                       first model, on the models of MEASURED
//
// The JavaScript check is no longer in the library: --js-dist names a dist/cjs built before the switch (e.g.
// `git worktree add /tmp/js-check 'HEAD^{/Graph checks in the addon}~1' && (cd /tmp/js-check && npm ci && npm run build)`, then
// --js-dist /tmp/js-check/dist/cjs); without one only the native side runs (--time) or the script says so.
// Exit status 1 when any report differs.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DIST, ROOT } from './lib/runtime';
import { hostile, xnnpackHazards } from './lib/hostile';
import { mutant } from './lib/mutate';
import type * as Binding from '../dist/cjs/binding';

interface Report {
  problem: string | null;
  rule: string | null;
  xnnpackHazard: string | null;
  validPools: { input: number; window: [number, number]; op: number }[];
}
interface ModelBytesLike { length: number }
interface JsCheck {
  checkModelGraph(bytes: ModelBytesLike): Report;
  bufferBytes(buffer: Uint8Array): ModelBytesLike;
  fileBytes(fd: number): ModelBytesLike;
}

const args = parseArgs(process.argv.slice(2));
function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    out[a.slice(2)] = argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--') ? argv[++i]! : 'true';
  }
  return out;
}

const { native } = require(path.join(DIST, 'binding')) as typeof Binding;
const JS_DIST = args['js-dist'] ? path.resolve(args['js-dist']) : DIST;
function loadJsCheck(): JsCheck | null {
  try {
    const check = require(path.join(JS_DIST, 'model-check')) as Partial<JsCheck>;
    // the library's lib/model-check.ts now runs the addon's check: only a dist from before the switch has these
    return typeof check.fileBytes === 'function' && typeof check.bufferBytes === 'function' ? check as JsCheck : null;
  } catch {
    return null;
  }
}

type Source = { name: string; path?: string; bytes?: () => Buffer };

/** Every model file below `dir` (.tflite and TensorFlow's testdata .bin), sorted. */
function modelFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...modelFiles(full));
    else if (/\.(tflite|bin)$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

function sources(count: number, seed: number): Source[] {
  const files = [path.join(ROOT, 'test', 'corpus', 'models'), path.join(ROOT, 'test', 'corpus', '.cache'),
    path.join(ROOT, 'test', 'fixtures'), path.join(ROOT, 'stress', 'seeds'), path.join(ROOT, 'stress', 'crashes')]
    .flatMap(modelFiles);
  const out: Source[] = files.map((file) => ({ name: path.relative(ROOT, file), path: file }));
  for (const [name, make] of Object.entries({ ...hostile, ...xnnpackHazards })) out.push({ name: `hostile.${name}`, bytes: make });
  for (let index = 0; index < count; index++) out.push({ name: `mutant ${seed}:${index}`, bytes: () => mutant(seed, index).bytes });
  return out;
}

/** The native report, or null when TFLite's verifier refuses the model (no graph check runs then). */
function nativeReport(source: Source, bytes: Buffer | undefined): Report | null {
  // lib/model-source.ts refuses an empty buffer before the addon sees it (native/model.cc relies on that)
  if (bytes !== undefined && bytes.length === 0) return null;
  let model: Binding.NativeModel;
  try {
    model = source.path !== undefined ? new native.Model(source.path) : new native.Model(bytes!, false);
  } catch {
    return null;
  }
  try {
    return model.checkGraph();
  } finally {
    model.dispose();
  }
}

function jsReport(js: JsCheck, source: Source, bytes: Buffer | undefined): Report {
  if (source.path === undefined) return js.checkModelGraph(js.bufferBytes(bytes!));
  const fd = fs.openSync(source.path, 'r');
  try {
    return js.checkModelGraph(js.fileBytes(fd));
  } finally {
    fs.closeSync(fd);
  }
}

function compare(): void {
  const js = loadJsCheck();
  if (js === null) {
    console.error(`check-parity: no JavaScript check in ${JS_DIST}: pass --js-dist with a dist/cjs built before the switch`);
    process.exit(2);
  }
  const count = Number(args.count ?? 5000);
  const seed = Number(args.seed ?? 1);
  const tally = { models: 0, mutants: 0, verifierRefused: 0, compared: 0, refused: {} as Record<string, number>,
    xnnpackHazards: 0, validPools: 0, differences: [] as { name: string; js: Report; native: Report }[] };
  const started = Date.now();
  for (const source of sources(count, seed)) {
    if (source.name.startsWith('mutant ')) tally.mutants++;
    else tally.models++;
    const bytes = source.bytes?.();
    const ours = nativeReport(source, bytes);
    if (ours === null) {
      tally.verifierRefused++;
      continue;
    }
    const theirs = jsReport(js, source, bytes);
    tally.compared++;
    if (ours.rule !== null) tally.refused[ours.rule] = (tally.refused[ours.rule] ?? 0) + 1;
    if (ours.xnnpackHazard !== null) tally.xnnpackHazards++;
    tally.validPools += ours.validPools.length;
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      tally.differences.push({ name: source.name, js: theirs, native: ours });
      console.log(`DIFFERENT ${source.name}\n  js:     ${JSON.stringify(theirs)}\n  native: ${JSON.stringify(ours)}`);
    }
  }
  const summary = { ...tally, differences: tally.differences.length, seed, seconds: (Date.now() - started) / 1000 };
  console.log(JSON.stringify(summary, null, 2));
  if (args.out) fs.writeFileSync(args.out, JSON.stringify({ ...summary, differing: tally.differences }, null, 2));
  process.exit(tally.differences.length === 0 ? 0 : 1);
}

// ---- timing ---------------------------------------------------------------------------------------------------------
const MEASURED = ['converted/lstm_int8.tflite', 'converted/lstm_f32.tflite', 'converted/mobilenetv3small_f32.tflite',
  'mediapipe/object_detection_3d_camera.tflite', 'mediapipe/pose_landmark_heavy.tflite'];
function measuredPath(name: string): string {
  for (const dir of ['models', '.cache']) {
    const file = path.join(ROOT, 'test', 'corpus', dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`${name} is in neither test/corpus/models nor test/corpus/.cache (test/corpus/fetch-mediapipe.sh)`);
}

/** One check, in ms: the native one on a loaded model, the JS one reading the file (paged) or the bytes. */
function timeOne(impl: string, via: string, file: string, bytes: Buffer, js: JsCheck | null): number {
  if (impl === 'native') {
    const model = via === 'file' ? new native.Model(file) : new native.Model(bytes, false);
    const t0 = process.hrtime.bigint();
    model.checkGraph();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    model.dispose();
    return ms;
  }
  const t0 = process.hrtime.bigint();
  jsReport(js!, via === 'file' ? { name: file, path: file } : { name: file }, bytes);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function time(): void {
  const js = loadJsCheck();
  const impls = js === null ? ['native'] : ['js', 'native'];
  const rows: Record<string, unknown>[] = [];
  for (const name of MEASURED) {
    const file = measuredPath(name);
    const bytes = fs.readFileSync(file);
    for (const impl of impls) {
      for (const via of ['file', 'memory']) {
        // a fresh process's first model: the check's code not yet optimized (JS) or paged in (native)
        const first: number[] = [];
        for (let run = 0; run < 5; run++) {
          const child = spawnSync(process.execPath, [__filename, '--first', file, '--impl', impl, '--via', via,
            ...(args['js-dist'] ? ['--js-dist', JS_DIST] : [])], { encoding: 'utf8' });
          if (child.status !== 0) throw new Error(`first-model run failed: ${child.stderr}`);
          first.push(Number(child.stdout.trim()));
        }
        for (let k = 0; k < 30; k++) timeOne(impl, via, file, bytes, js);  // warm up
        const warm: number[] = [];
        for (let k = 0; k < 100; k++) warm.push(timeOne(impl, via, file, bytes, js));
        rows.push({ model: name, impl, via, warmMs: median(warm), firstMs: median(first) });
      }
    }
  }
  console.table(rows.map((r) => ({ ...r, warmMs: (r.warmMs as number).toFixed(4), firstMs: (r.firstMs as number).toFixed(3) })));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (args.first) {
  process.stdout.write(`${timeOne(args.impl!, args.via!, args.first, fs.readFileSync(args.first), args.impl === 'js' ? loadJsCheck() : null)}\n`);
} else if (args.time) {
  time();
} else {
  compare();
}
