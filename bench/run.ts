/*
 * npm run bench [-- options]      (node dist-tools/bench/run.js [options]; TypeScript, built by npm run build)
 *
 * Runs, in one run on this machine, the C loop (bench/c_loop.c over prebuilds' libtensorflowlite_c), this addon,
 * Python's tf.lite.Interpreter (the venv, when it has TensorFlow) and the npm peers tfjs-tflite-node / node-tflite
 * (installed into bench/.peers, when they install), and prints medians, p90 and ratios. Every engine is a child
 * process speaking one line protocol (see bench/engines/common.ts); the compared variants of a workload are
 * alternated round by round (rotating the order) so drift in machine load hits them alike.
 *
 * Options:
 *   --quick            CI-sized run (< 2 min): C loop + addon only, fewer rounds, reduced soak; asserts nothing
 *   --json[=FILE]      also write machine-readable results (default bench/results.json; quick: bench/.cache/...)
 *   --no-python        skip Python's tf.lite   (--python forces it on in --quick)
 *   --no-peers         skip the npm peers      (--peers forces them on in --quick)
 *   --sections=LIST    subset of corpus,tiny,conv,load,require,async,soak,profile
 *   --models=A,B       the corpus section times only models whose file name contains A or B
 *   --rounds=N         rounds per comparison (default 6; quick 2)
 *   --max-wait=SEC     wait up to SEC for other CPU work (builds) to finish before each section (default 1200;
 *                      quick 0). Sections measured under load are flagged.
 *   --no-wait          same as --max-wait=0
 *   --quiet=FRACTION   "quiet" = other work below FRACTION of all CPUs (default 0.15) and no compiler running
 *   --retry-others=F   re-measure a unit when other processes used more than F of the CPUs during it (default 0.10)
 *   --attempts=N       measurements per unit at most (default 3; quick 1)
 * Writes bench/RESULTS.md (complete full runs) or bench/.cache/RESULTS-quick.md / RESULTS-partial.md.
 *
 * Layout: this file sets up and runs the sections; bench/lib/ holds the parts — context.ts (paths, options, log,
 * shared results), machine.ts (quiet checks, measured()), engine.ts + compare.ts (child engines, alternated
 * rounds), setup.ts (dist, models, snapshot, C loop, peers), sections.ts (the workloads), targets.ts, report.ts,
 * format.ts. The engines themselves are bench/engines/*.ts, bench/c_loop.c and bench/python_bench.py.
 */

import * as fs from 'fs';
import * as path from 'path';
import { BENCH, COMPILED, ROOT, PEER_NAMES, state, opts, t0Run, notes, note, log, results, sectionState, peerStatus } from './lib/context';
import { sleep } from './lib/format';
import { Engine, type Engines } from './lib/engine';
import { ensureDist, findPython, MODELS, ensureModels, addonFiles, snapshotPackage, ensureCLoop, ensurePeers } from './lib/setup';
import { sectionCorpus } from './lib/corpus-section';
import { sectionTiny, sectionConv, sectionLoad, sectionRequire, sectionAsync, sectionSoak, sectionProfile } from './lib/sections';
import { evaluateTargets } from './lib/targets';
import { machineInfo, report } from './lib/report';

async function main(): Promise<void> {
  log(`tflite-runtime benchmarks${opts.quick ? ' (--quick)' : ''}`);
  ensureDist();
  const python = opts.python || opts.sections.includes('conv') ? findPython() : null;
  const haveConv = ensureModels(python);
  let files: ReturnType<typeof addonFiles>;
  try {
    files = addonFiles();
  } catch (error) {
    throw new Error(`the addon does not load: ${(error as Error).message}`);
  }
  log(`addon: ${path.relative(ROOT, files.addon)} over ${path.relative(ROOT, files.lib)} (TFLite ${files.version.tflite}); ` +
    'measuring a copy of it in bench/.cache/snapshot/');
  const snap = snapshotPackage(files);
  process.env.TFLITE_RUNTIME_DIST = state.dist; // for the engine, async and soak children
  const cLoop = ensureCLoop(snap.lib);
  if (opts.peers) ensurePeers();
  else note(`peers skipped (${opts.quick ? '--quick' : '--no-peers'})`);

  const E: Engines = {};
  const engines: Engine[] = [];
  const start = (key: string, ...a: ConstructorParameters<typeof Engine>): Engine => {
    const engine = new Engine(...a);
    E[key] = engine;
    engines.push(engine);
    return engine;
  };
  try {
    if (cLoop) {
      start('c', 'c-loop', cLoop, []);
      start('c2', 'c-loop-2', cLoop, []); // a second, identical process: the noise floor between two processes
    }
    start('addon', 'addon', process.execPath, [path.join(COMPILED, 'engines', 'addon.js')]);
    // The corpus section's control: a second, identical addon process, alternated with the other two in the same
    // rounds, so each row shows how far two copies of the same engine drift apart on this machine.
    if (opts.sections.includes('corpus') && !opts.quick) {
      start('addon2', 'addon-2', process.execPath, [path.join(COMPILED, 'engines', 'addon.js')]);
    }
    const versions: Record<string, string | null> = { tflite: files.version.tflite, addon: files.version.addon, python: null,
      addonBinary: `${path.relative(ROOT, files.addon)} (sha256 ${files.addonSha256}…)`,
      library: `${path.relative(ROOT, files.lib)} (sha256 ${files.libSha256}…)` };
    if (opts.python) {
      if (!python) {
        note('Python tf.lite skipped: no .venv/bin/python (or $BENCH_PYTHON)');
      } else {
        const py = start('python', 'python', python, [path.join(BENCH, 'python_bench.py')], { handshake: true });
        const hello: Record<string, any> | null = await Promise.race([py.ready, sleep(120000).then(() => ({ ready: false, error: 'timeout' }))]);
        if (!hello || hello instanceof Error || !hello.ready) {
          const why: any = hello;
          note(`Python tf.lite skipped: ${why ? why.error || why.message : 'no answer'} ${py.stderr.slice(-300)}`);
          await py.close();
          E.python = null;
        } else {
          versions.python = `${hello.tensorflow} (numpy ${hello.numpy})`;
        }
      }
    }
    if (opts.peers) {
      for (const name of PEER_NAMES) {
        if (peerStatus[name]!.ok === false) continue;
        const engine = start(name, name, process.execPath, [path.join(COMPILED, 'engines', 'peer.js'), name]);
        try {
          await engine.load(0, 1, false, MODELS.tiny.file);
          await engine.run(0, 'full', 2, 10, 1);
          await engine.free(0);
          peerStatus[name]!.ok = true;
        } catch (error) {
          peerStatus[name] = { ok: false, why: `does not load/run: ${(error as Error).message.split('\n').slice(0, 2).join(' ')}` };
          await engine.close();
          E[name] = null;
        }
      }
    }

    const want = (s: string): boolean => opts.sections.includes(s);
    if (want('corpus')) await sectionCorpus(E);
    if (want('tiny')) await sectionTiny(E);
    if (want('conv') && haveConv) await sectionConv(E);
    if (want('load')) await sectionLoad(E);
    for (const e of engines) await e.close();
    if (want('require')) await sectionRequire();
    if (want('async') && haveConv) await sectionAsync(cLoop);
    if (want('soak')) await sectionSoak();
    if (want('profile') && haveConv && cLoop && versions.python && !opts.quick) {
      await sectionProfile(cLoop, python, snap.lib);
    }

    const machine = machineInfo(versions);
    machine.totalSeconds = Math.round((Date.now() - t0Run) / 1000);
    const targets = evaluateTargets();
    const { text, md } = report(machine, targets);
    process.stdout.write(`${text}\n`);
    fs.mkdirSync(path.dirname(opts.mdPath), { recursive: true });
    fs.writeFileSync(opts.mdPath, md);
    log(`wrote ${path.relative(ROOT, opts.mdPath)}`);
    if (opts.json) {
      const json = { machine, options: opts, sections: sectionState, peers: peerStatus, notes, targets, results };
      fs.mkdirSync(path.dirname(opts.jsonPath), { recursive: true });
      fs.writeFileSync(opts.jsonPath, JSON.stringify(json, (k, v: unknown) => (k === 'samples' && Array.isArray(v) && typeof v[0] === 'number'
        ? v.map((x: number) => +x.toFixed(4)) : v)));
      log(`wrote ${path.relative(ROOT, opts.jsonPath)}`);
    }
    log(`done in ${machine.totalSeconds} s`);
  } finally {
    for (const e of engines) await e.close().catch(() => {});
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
