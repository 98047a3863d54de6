// Everything a run needs before measuring: dist/, the models, a snapshot of the package, the C loop, Python, peers.

import { spawnSync, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BENCH, ROOT, CACHE, PEERS_DIR, PREBUILD, PEER_NAMES, state, note, log, peerStatus } from './context';

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const f of fs.readdirSync(dir)) if (f.endsWith(ext)) newest = Math.max(newest, fs.statSync(path.join(dir, f)).mtimeMs);
  return newest;
}

function ensureDist(): void {
  const index = path.join(state.dist, 'index.js');
  const stale = !fs.existsSync(index) || newestMtime(path.join(ROOT, 'lib'), '.ts') > fs.statSync(index).mtimeMs;
  if (!stale) return;
  log('building dist/ (npx tsc -p tsconfig.json && node scripts/build-esm.js)');
  const r = spawnSync('sh', ['-c', 'npx tsc -p tsconfig.json && node scripts/build-esm.js'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building dist/ failed');
}

function findPython(): string | null {
  const candidates = [process.env.BENCH_PYTHON, path.join(ROOT, '.venv', 'bin', 'python')].filter((p): p is string => !!p);
  return candidates.find((p) => fs.existsSync(p)) || null;
}

const MODELS: Record<'f32' | 'int8' | 'int8pc' | 'tiny', { file: string; label: string }> = {
  f32: { file: path.join(CACHE, 'mobilenet_v2_f32.tflite'), label: 'MobileNetV2 224 f32' },
  int8: { file: path.join(CACHE, 'mobilenet_v2_int8.tflite'), label: 'MobileNetV2 224 int8 (per-tensor dense)' },
  int8pc: { file: path.join(CACHE, 'mobilenet_v2_int8_pc.tflite'), label: 'MobileNetV2 224 int8 (converter default: per-channel dense)' },
  tiny: { file: path.join(CACHE, 'tiny_add.tflite'), label: 'tiny add [1,4]+[1,4]' },
};

function ensureModels(python: string | null): boolean {
  fs.mkdirSync(CACHE, { recursive: true });
  if (!fs.existsSync(MODELS.tiny.file)) fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'add.tflite'), MODELS.tiny.file);
  const missing = (['f32', 'int8', 'int8pc'] as const).filter((k) => !fs.existsSync(MODELS[k].file));
  if (!missing.length) return true;
  if (!python) {
    note('no Python venv with TensorFlow (.venv/bin/python or $BENCH_PYTHON): the MobileNetV2 models cannot be ' +
      'generated, conv-net workloads are skipped');
    return false;
  }
  log('generating the MobileNetV2 models (bench/make_models.py, cached in bench/.cache/)');
  const r = spawnSync(python, [path.join(BENCH, 'make_models.py'), CACHE], { cwd: ROOT, encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 15 * 60 * 1000 });
  if (r.status !== 0 || missing.some((k) => !fs.existsSync(MODELS[k].file))) {
    note(`bench/make_models.py failed (${(r.stderr || r.error || '').toString().trim().split('\n').slice(-2).join(' ')}): ` +
      'conv-net workloads are skipped');
    return false;
  }
  return true;
}

/** Which addon binary and libtensorflowlite_c.so `require('tflite-runtime')` actually loads (node-gyp-build prefers
 * build/Release over prebuilds/), read from the child's /proc/self/maps. */
export interface AddonFiles {
  version: { tflite: string; addon: string };
  addon: string;
  lib: string;
  addonSha256: string | null;
  libSha256: string | null;
}

function addonFiles(dist = state.dist): AddonFiles {
  const script = `const v=require(${JSON.stringify(dist)}).version;const m=require('fs').readFileSync('/proc/self/maps','utf8');` +
    "const f=(re)=>(m.split('\\n').map((l)=>l.split(/\\s+/)[5]).find((p)=>p&&re.test(p)))||null;" +
    "process.stdout.write(JSON.stringify({version:v,addon:f(/\\.node$/),lib:f(/libtensorflowlite_c\\.so/)}))";
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  const info = JSON.parse(out);
  const sha = (file: string | null): string | null => file ? (require('crypto') as typeof import('crypto')).createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16) : null;
  return { ...info, addonSha256: sha(info.addon), libSha256: sha(info.lib) };
}

/**
 * Copies what `require('tflite-runtime')` loads (dist/, package.json, the addon binary it resolved and the
 * libtensorflowlite_c.so beside it) into bench/.cache/snapshot/. Every engine loads the package from there and the C
 * loop links that library copy: other people rebuilding build/ or dist/ during a run (rewriting a mapped .so in place
 * crashes the processes using it) cannot change or break what is measured. The sha256 of both binaries is reported.
 */
function snapshotPackage(files: AddonFiles): AddonFiles {
  const dir = path.join(CACHE, 'snapshot');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  // node-gyp-build takes any *.node in build/Release first; the addon finds the library through RUNPATH $ORIGIN.
  fs.copyFileSync(files.addon, path.join(dir, 'build', 'Release', path.basename(files.addon)));
  fs.copyFileSync(files.lib, path.join(dir, 'build', 'Release', path.basename(files.lib)));
  const snap = addonFiles(path.join(dir, 'dist', 'cjs'));
  if (snap.addonSha256 !== files.addonSha256 || snap.libSha256 !== files.libSha256 || !snap.lib.startsWith(dir)) {
    throw new Error(`the snapshot in ${dir} does not load the copied binaries (${JSON.stringify(snap)})`);
  }
  state.dist = path.join(dir, 'dist', 'cjs');
  return snap;
}

/** Compiles bench/c_loop.c against the same libtensorflowlite_c.so the addon loads. */
function ensureCLoop(libFile: string | null): string | null {
  const src = path.join(BENCH, 'c_loop.c');
  const exe = path.join(CACHE, 'c_loop');
  const stamp = path.join(CACHE, 'c_loop.lib');
  const lib = libFile || path.join(PREBUILD, 'libtensorflowlite_c.so');
  const libDir = path.dirname(lib);
  if (!fs.existsSync(lib)) {
    note(`no ${lib}: the C loop is skipped`);
    return null;
  }
  const fresh = fs.existsSync(exe) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === lib &&
    fs.statSync(exe).mtimeMs > Math.max(fs.statSync(src).mtimeMs, fs.statSync(lib).mtimeMs);
  if (fresh) return exe;
  const headers = path.join(ROOT, '.tflite-build', 'src', 'tensorflow-2.14.1');
  const useHeaders = fs.existsSync(path.join(headers, 'tensorflow', 'lite', 'c', 'c_api.h'));
  const cc = process.env.CC || 'cc';
  const args = ['-O2', '-std=c11', '-o', exe, src, ...(useHeaders ? [`-I${headers}`, '-DHAVE_TFLITE_HEADERS'] : []),
    `-L${libDir}`, '-ltensorflowlite_c', `-Wl,-rpath,${libDir}`, '-lpthread'];
  log(`compiling the C loop: ${cc} ${args.map((a) => a.split(ROOT + '/').join('')).join(' ')}`);
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    note(`compiling bench/c_loop.c failed (${(r.stderr || r.error || '').toString().trim().split('\n').slice(-3).join(' ')}): ` +
      'the C loop is skipped');
    return null;
  }
  fs.writeFileSync(stamp, lib);
  if (!useHeaders) note('the C loop was compiled against its built-in TFLite 2.14.1 declarations (no headers in .tflite-build/)');
  return exe;
}

function ensurePeers(): void {
  const installed = (name: string): boolean => fs.existsSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'));
  const missing = PEER_NAMES.filter((n) => !installed(n));
  if (missing.length) {
    log(`npm install --prefix bench/.peers ${missing.join(' ')}`);
    fs.mkdirSync(PEERS_DIR, { recursive: true });
    for (const name of missing) {
      const r = spawnSync('npm', ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--no-save', name],
        { cwd: PEERS_DIR, encoding: 'utf8', timeout: 10 * 60 * 1000 });
      if (r.status !== 0) {
        peerStatus[name] = { ok: false, why: `npm install failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-3).join(' ')}` };
      }
    }
  }
  for (const name of PEER_NAMES) {
    if (peerStatus[name]) continue;
    if (!installed(name)) {
      peerStatus[name] = { ok: false, why: 'not installed' };
      continue;
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8'));
    peerStatus[name] = { ok: null, version: pkg.version };
  }
}

export { ensureDist, findPython, MODELS, ensureModels, addonFiles, snapshotPackage, ensureCLoop, ensurePeers };
