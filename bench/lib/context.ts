// Shared by every part of the benchmark: paths, the parsed options, logging and notes, and the results found so far.

import * as path from 'path';
import { ROOT } from '../../stress/lib/runtime';

/** bench/ in the source tree: the C loop, the Python engine, the model cache, the peers, the results. */
const BENCH = path.join(ROOT, 'bench');
/** The compiled bench (dist-tools/bench/): the node engines and child scripts are started from here. */
const COMPILED = path.resolve(__dirname, '..');
const CACHE = path.join(BENCH, '.cache');
const PEERS_DIR = path.join(BENCH, '.peers');
const PREBUILD = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`);
// The package the engines load: dist/cjs, switched to the snapshot (see snapshotPackage) before measuring.
const state = { dist: path.join(ROOT, 'dist', 'cjs') };
const PEER_NAMES = ['tfjs-tflite-node', 'node-tflite'];

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const option = (name: string): string | undefined => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : hit.slice(name.length + 3);
};
const QUICK = flag('quick');
export interface BenchOptions {
  quick: boolean;
  python: boolean;
  peers: boolean;
  rounds: number;
  maxWait: number;
  quiet: number;
  retryOthers: number;
  attempts: number;
  sections: string[];
  json: boolean;
  models: string[] | undefined;
  jsonPath: string;
  mdPath: string;
}

/**
 * What the run has found so far, by section. The sections' records are plain JSON written by one part and read by
 * the report and the targets (bench/results.json is this object): typed loosely, as JSON.
 */
export interface Results {
  corpus: any;
  conv: any[];
  tiny: any;
  load: any[];
  require: any;
  async: any;
  soak: any;
  profile: any;
  [section: string]: any;
}

const opts: BenchOptions = {
  quick: QUICK,
  python: flag('python') || (!QUICK && !flag('no-python')),
  peers: flag('peers') || (!QUICK && !flag('no-peers')),
  rounds: Number(option('rounds') || (QUICK ? 2 : 6)),
  maxWait: flag('no-wait') ? 0 : Number(option('max-wait') ?? (QUICK ? 0 : 1200)),
  quiet: Number(option('quiet') || 0.15),
  retryOthers: Number(option('retry-others') || 0.10),
  attempts: Number(option('attempts') || (QUICK ? 1 : 3)),
  sections: (option('sections') || 'corpus,tiny,conv,load,require,async,soak,profile').split(','),
  json: flag('json') || option('json') !== undefined,
  // --models=a,b: the corpus section times only the models whose file name contains one of these.
  models: option('models')?.split(',').filter(Boolean),
  jsonPath: '',
  mdPath: '',
};
// Only a complete full run writes bench/RESULTS.md / bench/results.json; quick and partial runs write to bench/.cache/.
const complete = !QUICK && option('sections') === undefined && option('models') === undefined;
const suffix = QUICK ? '-quick' : complete ? '' : '-partial';
opts.jsonPath = option('json') || path.join(complete ? BENCH : CACHE, `results${suffix}.json`);
opts.mdPath = path.join(complete ? BENCH : CACHE, `RESULTS${suffix}.md`);
const unknown = argv.filter((a) => !/^--(quick|json|python|no-python|peers|no-peers|no-wait)$/.test(a) &&
  !/^--(json|sections|rounds|max-wait|quiet|retry-others|attempts|models)=/.test(a));
if (unknown.length) {
  console.error(`unknown option(s): ${unknown.join(' ')}\n(see the comment at the top of bench/run.ts)`);
  process.exit(2);
}

const t0Run = Date.now();
const notes: string[] = [];
const note = (text: string): void => {
  notes.push(text);
  log(`note: ${text}`);
};
function log(...parts: unknown[]): void {
  process.stderr.write(`[bench ${((Date.now() - t0Run) / 1000).toFixed(0).padStart(4)}s] ${parts.join(' ')}\n`);
}

/** What the run has found so far; every section writes its part, targets and report read it. */
const results: Results = { corpus: null, conv: [], tiny: null, load: [], require: null, async: null, soak: null, profile: null };
/** Machine state per measured unit (load, CPU used by others, 2-thread probe), filled by machine.measured(). */
const sectionState: Record<string, any> = {};
/** Engine child processes alive now (their CPU time counts as this benchmark's own). */
const liveEngines = new Set<{ child: { pid?: number | undefined } }>();
/** Per peer: { ok, version } or { ok: false, why }. */
const peerStatus: Record<string, { ok: boolean | null; version?: string; why?: string }> = {};

export {
  argv, BENCH, COMPILED, ROOT, CACHE, PEERS_DIR, PREBUILD, PEER_NAMES, state, opts, t0Run, notes, note, log,
  results, sectionState, liveEngines, peerStatus,
};
