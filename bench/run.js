#!/usr/bin/env node
'use strict';
/*
 * npm run bench [-- options]      (node bench/run.js [options])
 *
 * Runs, in one run on this machine, the C loop (bench/c_loop.c over prebuilds' libtensorflowlite_c), this addon,
 * Python's tf.lite.Interpreter (the venv, when it has TensorFlow) and the npm peers tfjs-tflite-node / node-tflite
 * (installed into bench/.peers, when they install), and prints medians, p90 and ratios. Every engine is a child
 * process speaking one line protocol (see bench/engines/common.js); the compared variants of a workload are
 * alternated round by round (rotating the order) so drift in machine load hits them alike.
 *
 * Options:
 *   --quick            CI-sized run (< 2 min): C loop + addon only, fewer rounds, reduced soak; asserts nothing
 *   --json[=FILE]      also write machine-readable results (default bench/results.json; quick: bench/.cache/...)
 *   --no-python        skip Python's tf.lite   (--python forces it on in --quick)
 *   --no-peers         skip the npm peers      (--peers forces them on in --quick)
 *   --sections=LIST    subset of tiny,conv,load,require,async,soak,profile
 *   --rounds=N         rounds per comparison (default 6; quick 2)
 *   --max-wait=SEC     wait up to SEC for other CPU work (builds) to finish before each section (default 1200;
 *                      quick 0). Sections measured under load are flagged.
 *   --no-wait          same as --max-wait=0
 *   --quiet=FRACTION   "quiet" = other work below FRACTION of all CPUs (default 0.15) and no compiler running
 *   --retry-others=F   re-measure a unit when other processes used more than F of the CPUs during it (default 0.10)
 *   --attempts=N       measurements per unit at most (default 3; quick 1)
 * Writes bench/RESULTS.md (complete full runs) or bench/.cache/RESULTS-quick.md / RESULTS-partial.md.
 */
const { spawn, spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

const BENCH = __dirname;
const ROOT = path.resolve(BENCH, '..');
const CACHE = path.join(BENCH, '.cache');
const PEERS_DIR = path.join(BENCH, '.peers');
const PREBUILD = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`);
let DIST = path.join(ROOT, 'dist', 'cjs'); // switched to the snapshot (see snapshotPackage) before measuring
const PEER_NAMES = ['tfjs-tflite-node', 'node-tflite'];

// ---- options ----------------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : hit.slice(name.length + 3);
};
const QUICK = flag('quick');
const opts = {
  quick: QUICK,
  python: flag('python') || (!QUICK && !flag('no-python')),
  peers: flag('peers') || (!QUICK && !flag('no-peers')),
  rounds: Number(option('rounds') || (QUICK ? 2 : 6)),
  maxWait: flag('no-wait') ? 0 : Number(option('max-wait') ?? (QUICK ? 0 : 1200)),
  quiet: Number(option('quiet') || 0.15),
  retryOthers: Number(option('retry-others') || 0.10),
  attempts: Number(option('attempts') || (QUICK ? 1 : 3)),
  sections: (option('sections') || 'tiny,conv,load,require,async,soak,profile').split(','),
  json: flag('json') || option('json') !== undefined,
};
// Only a complete full run writes bench/RESULTS.md / bench/results.json; quick and partial runs write to bench/.cache/.
const complete = !QUICK && option('sections') === undefined;
const suffix = QUICK ? '-quick' : complete ? '' : '-partial';
opts.jsonPath = option('json') || path.join(complete ? BENCH : CACHE, `results${suffix}.json`);
opts.mdPath = path.join(complete ? BENCH : CACHE, `RESULTS${suffix}.md`);
const unknown = argv.filter((a) => !/^--(quick|json|python|no-python|peers|no-peers|no-wait)$/.test(a) &&
  !/^--(json|sections|rounds|max-wait|quiet|retry-others|attempts)=/.test(a));
if (unknown.length) {
  console.error(`unknown option(s): ${unknown.join(' ')}\n(see the comment at the top of bench/run.js)`);
  process.exit(2);
}

const t0Run = Date.now();
const notes = [];
const note = (text) => {
  notes.push(text);
  log(`note: ${text}`);
};
function log(...parts) {
  process.stderr.write(`[bench ${((Date.now() - t0Run) / 1000).toFixed(0).padStart(4)}s] ${parts.join(' ')}\n`);
}

// ---- statistics and formatting ----------------------------------------------------------------------------------

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), min: sorted[0], n: sorted.length };
}
const median = (xs) => stats(xs).median;
function fmtUs(us) {
  if (us === undefined || Number.isNaN(us)) return '—';
  if (us >= 1000) return `${(us / 1000).toFixed(us >= 100000 ? 0 : 2)} ms`;
  if (us >= 10) return `${us.toFixed(1)} µs`;
  return `${us.toFixed(3)} µs`;
}
const fmtX = (x, digits = 2) => (x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(digits)}×`);
const fmtMB = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} MB`;

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
function mdTable(headers, rows) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [`| ${headers.map(esc).join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- machine state ------------------------------------------------------------------------------------------------

function cpuTimes() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3] + (line[4] || 0);
  return { idle, total: line.reduce((a, b) => a + b, 0) };
}
/** Fraction of all CPUs busy over `ms` (while this process and its idle children do nothing). */
async function cpuBusy(ms = 2000) {
  try {
    const a = cpuTimes();
    await sleep(ms);
    const b = cpuTimes();
    return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
  } catch {
    return NaN;
  }
}
function buildProcesses() {
  try {
    const out = execFileSync('ps', ['-eo', 'pid=,comm='], { encoding: 'utf8' });
    const names = /^(ninja|make|cmake|cc1|cc1plus|c\+\+|g\+\+|gcc|clang|clang\+\+|ld|ld\.gold|lld|rustc|cargo|qemu-.*)$/;
    return out.split('\n').map((l) => l.trim().split(/\s+/)).filter(([, comm]) => comm && names.test(comm))
      .map(([pid, comm]) => `${comm}(${pid})`);
  } catch {
    return [];
  }
}
const loadavg = () => os.loadavg().map((x) => +x.toFixed(2));

const sectionState = {};
const liveEngines = new Set();

/** CPU ticks of this process, its reaped children, and the engine children still running. */
function ownTicks() {
  const ticks = (pid, withChildren) => {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // after "pid (comm) ": state=0 ... utime=11 stime=12 cutime=13 cstime=14
    return Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  };
  let sum = ticks(process.pid, true);
  for (const e of liveEngines) {
    try {
      sum += ticks(e.child.pid, true);
    } catch { /* exited */ }
  }
  return sum;
}
function cpuSnapshot() {
  try {
    const t = cpuTimes();
    return { busy: t.total - t.idle, total: t.total, own: ownTicks() };
  } catch {
    return null;
  }
}

/**
 * How well the two CPUs run two threads at once right now (2.0 = fully independent): two worker threads doing integer
 * work vs one. On a VM the host may place both vCPUs on SMT siblings of one core for a while; then every 2-thread
 * number drops to ~1.3x, though nothing shows in the load or in other processes' CPU time.
 */
function parallelProbe() {
  const code = `const { Worker } = require('worker_threads');
const body = \`const { parentPort, workerData } = require('worker_threads');
let x = 0; const t0 = performance.now(); let n = 0;
while (performance.now() - t0 < workerData) { for (let i = 0; i < 100000; i++) x = (Math.imul(x, 1103515245) + 12345) | 0; n++; }
parentPort.postMessage({ rate: n / (performance.now() - t0), x });\`;
const run = (k, ms) => Promise.all(Array.from({ length: k }, () => new Promise((res) => {
  const w = new Worker(body, { eval: true, workerData: ms }); w.on('message', (m) => { res(m.rate); w.terminate(); }); })));
(async () => { await run(1, 100); const one = (await run(1, 300))[0]; const two = await run(2, 300);
  process.stdout.write(String((two[0] + two[1]) / one)); })();`;
  try {
    return Number(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20000 }));
  } catch {
    return NaN;
  }
}

/** Waits (up to --max-wait) until the machine is quiet (other work < 15% of the CPUs, no compiler running). */
async function waitQuiet(section) {
  const started = Date.now();
  let busy = await cpuBusy(opts.quick ? 500 : 2000);
  let builds = buildProcesses();
  while ((busy > opts.quiet || builds.length) && (Date.now() - started) / 1000 < opts.maxWait) {
    log(`${section}: waiting for a quiet machine (CPU ${(busy * 100).toFixed(0)}% busy, load ${loadavg().join(' ')}` +
      `${builds.length ? `, ${builds.slice(0, 4).join(' ')}` : ''})`);
    await sleep(15000);
    busy = await cpuBusy(2000);
    builds = buildProcesses();
  }
  return { busy, builds, waitedSeconds: Math.round((Date.now() - started) / 1000) };
}

/**
 * Runs one measured unit: waits for a quiet machine, runs `body`, and measures how much CPU other processes took
 * meanwhile (all CPU time minus this process tree's). A unit where others took > --retry-others of the machine is re-run (up to
 * 3 attempts, full runs only); the last attempt is kept and flagged.
 */
async function measured(section, body) {
  const attempts = opts.attempts;
  let result;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const quiet = await waitQuiet(section);
    const parallelBefore = opts.quick ? NaN : parallelProbe();
    const before = cpuSnapshot();
    const loadStart = loadavg();
    const t0 = Date.now();
    result = await body();
    const after = cpuSnapshot();
    const parallelAfter = opts.quick ? NaN : parallelProbe();
    const parallel = Math.min(parallelBefore, parallelAfter);
    const others = before && after ? Math.max(0, ((after.busy - before.busy) - (after.own - before.own)) /
      Math.max(1, after.total - before.total)) : NaN;
    const builds = buildProcesses();
    sectionState[section] = { loadStart, loadEnd: loadavg(), busyBefore: +quiet.busy.toFixed(3),
      othersDuring: +others.toFixed(3), seconds: Math.round((Date.now() - t0) / 100) / 10,
      waitedSeconds: quiet.waitedSeconds, attempt, parallel: +parallel.toFixed(2),
      buildsRunning: [...new Set([...quiet.builds, ...builds])].slice(0, 6) };
    const lowParallel = parallel < 1.8;
    if (!(others > opts.retryOthers) && !quiet.builds.length && !builds.length && !lowParallel) break;
    const why = [others > opts.retryOthers || quiet.builds.length || builds.length
      ? `other processes used ${(others * 100).toFixed(0)}% of the CPUs during it` +
        `${quiet.builds.length || builds.length ? ` (${[...quiet.builds, ...builds].slice(0, 3).join(' ')})` : ''}` : null,
    lowParallel ? `the two CPUs ran two threads at only ${parallel.toFixed(2)}x one (host-side sharing)` : null]
      .filter(Boolean).join('; ');
    if (attempt < attempts) {
      log(`${section}: ${why}; measuring again`);
    } else {
      note(`${section}: ${why} — its absolute times (and ratios across engines less so) are affected`);
    }
  }
  return result;
}

// ---- engines: child processes speaking the line protocol ----------------------------------------------------------

class Engine {
  constructor(name, command, args, { env = {}, handshake = false } = {}) {
    this.name = name;
    this.stderr = '';
    this.pending = [];
    this.dead = null;
    this.child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', ...env } });
    liveEngines.add(this);
    this.ready = handshake ? new Promise((resolve) => this.pending.push({ resolve, reject: resolve })) : null;
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      const waiter = this.pending.shift();
      if (waiter) waiter.resolve(msg);
    });
    this.child.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    const fail = (why) => {
      this.dead = why;
      for (const w of this.pending.splice(0)) w.reject(new Error(`${this.name}: ${why}\n${this.stderr.slice(-1500)}`));
    };
    this.child.on('error', (e) => fail(`failed to start: ${e.message}`));
    this.child.on('exit', (code, signal) => {
      liveEngines.delete(this);
      fail(`exited (${signal || code})`);
    });
    this.child.stdin.on('error', () => {});
  }

  request(line) {
    if (this.dead) return Promise.reject(new Error(`${this.name}: ${this.dead}\n${this.stderr.slice(-1500)}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve: (msg) => (msg.ok === false
        ? reject(new Error(`${this.name}: ${msg.error}${msg.tflite ? ` (${msg.tflite})` : ''}`)) : resolve(msg)), reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  load(slot, threads, xnnpack, file) {
    return this.request(`load ${slot} ${threads} ${xnnpack ? 1 : 0} ${file}`);
  }
  async run(slot, variant, iters, batch, warmup) {
    return (await this.request(`run ${slot} ${variant} ${iters} ${batch} ${warmup}`)).us;
  }
  free(slot) {
    return this.request(`free ${slot}`);
  }

  async close() {
    if (this.dead) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    try {
      this.child.stdin.write('quit\n');
      this.child.stdin.end();
    } catch { /* already gone */ }
    const timer = setTimeout(() => { if (!this.dead) process.kill(this.child.pid, 'SIGKILL'); }, 5000);
    await exited;
    clearTimeout(timer);
  }
}

// ---- setup: dist, models, C loop, Python, peers -------------------------------------------------------------------

function newestMtime(dir, ext) {
  let newest = 0;
  for (const f of fs.readdirSync(dir)) if (f.endsWith(ext)) newest = Math.max(newest, fs.statSync(path.join(dir, f)).mtimeMs);
  return newest;
}

function ensureDist() {
  const index = path.join(DIST, 'index.js');
  const stale = !fs.existsSync(index) || newestMtime(path.join(ROOT, 'lib'), '.ts') > fs.statSync(index).mtimeMs;
  if (!stale) return;
  log('building dist/ (npx tsc -p tsconfig.json && node scripts/build-esm.js)');
  const r = spawnSync('sh', ['-c', 'npx tsc -p tsconfig.json && node scripts/build-esm.js'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building dist/ failed');
}

function findPython() {
  const candidates = [process.env.BENCH_PYTHON, path.join(ROOT, '.venv', 'bin', 'python')].filter(Boolean);
  return candidates.find((p) => fs.existsSync(p)) || null;
}

const MODELS = {
  f32: { file: path.join(CACHE, 'mobilenet_v2_f32.tflite'), label: 'MobileNetV2 224 f32' },
  int8: { file: path.join(CACHE, 'mobilenet_v2_int8.tflite'), label: 'MobileNetV2 224 int8 (per-tensor dense)' },
  int8pc: { file: path.join(CACHE, 'mobilenet_v2_int8_pc.tflite'), label: 'MobileNetV2 224 int8 (converter default: per-channel dense)' },
  tiny: { file: path.join(CACHE, 'tiny_add.tflite'), label: 'tiny add [1,4]+[1,4]' },
};

function ensureModels(python) {
  fs.mkdirSync(CACHE, { recursive: true });
  if (!fs.existsSync(MODELS.tiny.file)) fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'add.tflite'), MODELS.tiny.file);
  const missing = ['f32', 'int8', 'int8pc'].filter((k) => !fs.existsSync(MODELS[k].file));
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
function addonFiles(dist = DIST) {
  const script = `const v=require(${JSON.stringify(dist)}).version;const m=require('fs').readFileSync('/proc/self/maps','utf8');` +
    "const f=(re)=>(m.split('\\n').map((l)=>l.split(/\\s+/)[5]).find((p)=>p&&re.test(p)))||null;" +
    "process.stdout.write(JSON.stringify({version:v,addon:f(/\\.node$/),lib:f(/libtensorflowlite_c\\.so/)}))";
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  const info = JSON.parse(out);
  const sha = (file) => file ? require('crypto').createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16) : null;
  return { ...info, addonSha256: sha(info.addon), libSha256: sha(info.lib) };
}

/**
 * Copies what `require('tflite-runtime')` loads (dist/, package.json, the addon binary it resolved and the
 * libtensorflowlite_c.so beside it) into bench/.cache/snapshot/. Every engine loads the package from there and the C
 * loop links that library copy: other people rebuilding build/ or dist/ during a run (rewriting a mapped .so in place
 * crashes the processes using it) cannot change or break what is measured. The sha256 of both binaries is reported.
 */
function snapshotPackage(files) {
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
  DIST = path.join(dir, 'dist', 'cjs');
  return snap;
}

/** Compiles bench/c_loop.c against the same libtensorflowlite_c.so the addon loads. */
function ensureCLoop(libFile) {
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

const peerStatus = {};
function ensurePeers() {
  const installed = (name) => fs.existsSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'));
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

// ---- comparisons -----------------------------------------------------------------------------------------------------

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

// ---- sections --------------------------------------------------------------------------------------------------------

const results = { conv: [], tiny: null, load: [], require: null, async: null, soak: null, profile: null };

async function loadAll(specs) {
  const info = {};
  for (const s of specs) {
    if (!s.engine || s.engine.dead) continue;
    try {
      info[s.key] = await s.engine.load(s.slot, s.threads, s.xnnpack, s.file);
    } catch (error) {
      s.engine = null;
      info[s.key] = { error: error.message.split('\n')[0] };
      note(`${s.key}: load failed: ${info[s.key].error}`);
    }
  }
  return info;
}

async function freeAll(specs) {
  for (const s of specs) if (s.engine && !s.engine.dead) await s.engine.free(s.slot).catch(() => {});
}

async function sectionTiny(E) {
  const file = MODELS.tiny.file;
  const specs = [];
  let slot = 100;
  const add = (key, engine, variant, batch, xnnpack = true) => specs.push({ key, engine, variant, batch, xnnpack,
    threads: 1, file, slot: slot++ });
  add('C loop: memcpy in, invoke, memcpy out', E.c, 'full', 20000);
  add('C loop: invoke only', E.c, 'invoke', 20000);
  add('C loop: invoke handed to a second thread and back', E.c, 'handoff', 200);
  add('addon: write cached input view, invoke(), copy output view', E.addon, 'sync', 5000);
  add('addon: same via it.input(0).data / it.output(0).data each call', E.addon, 'getter', 5000);
  add('addon: invoke() only', E.addon, 'invoke', 5000);
  add('addon: run([a, b]) (copies in/out)', E.addon, 'run', 2000);
  add('addon: write view, await invokeAsync(), copy out', E.addon, 'async', 100);
  add('C loop, XNNPACK off: memcpy in, invoke, memcpy out', E.c, 'full', 20000, false);
  add('addon, XNNPACK off: write view, invoke(), copy out', E.addon, 'sync', 5000, false);
  add('Python: set_tensor x2, invoke, get_tensor', E.python, 'full', 1000);
  add('Python: tensor() views, invoke, copy out', E.python, 'views', 1000);
  add('Python: invoke only', E.python, 'invoke', 2000);
  for (const p of PEER_NAMES) add(`${p}: full call (no XNNPACK)`, E[p], 'full', 5000, false);
  // One interpreter per engine and XNNPACK setting: variants of an engine share it.
  const owners = new Map();
  for (const s of specs) {
    if (!s.engine) continue;
    const id = `${s.engine.name}/${s.xnnpack}`;
    if (owners.has(id)) s.slot = owners.get(id).slot;
    else owners.set(id, s);
  }
  const loads = await loadAll([...owners.values()]);
  for (const s of specs) if (s.engine && loads[[...owners.values()].find((o) => o.slot === s.slot).key]?.error) s.engine = null;
  const r = await measured('tiny', () => compare(specs.map((x) => ({ ...x })), { rounds: opts.rounds,
    budgetMs: opts.quick ? 40 : 120, minIters: 5, maxIters: 2000 }));
  await freeAll([...owners.values()]);
  const cFull = r['C loop: memcpy in, invoke, memcpy out'];
  const cOff = r['C loop, XNNPACK off: memcpy in, invoke, memcpy out'];
  const python = r['Python: set_tensor x2, invoke, get_tensor'];
  results.tiny = {
    model: path.relative(ROOT, file),
    rows: specs.map((s) => {
      const st = r[s.key];
      const ref = s.xnnpack ? cFull : cOff;
      return { name: s.key, engine: s.engine ? s.engine.name : null, xnnpack: s.xnnpack, ...st,
        overVsCUs: st.median !== undefined && ref?.median !== undefined ? st.median - ref.median : undefined,
        vsPython: st.median !== undefined && python?.median !== undefined ? python.median / st.median : undefined };
    }),
  };
}

function convConfigs() {
  const out = [];
  for (const model of ['f32', 'int8', 'int8pc']) {
    for (const threads of [1, 2]) {
      for (const xnnpack of [true, false]) {
        if (opts.quick && !xnnpack && threads === 2) continue;
        if (model === 'int8pc' && (!xnnpack || opts.quick)) continue;
        out.push({ model, threads, xnnpack });
      }
    }
  }
  return out;
}

async function sectionConv(E) {
  let slot = 200;
  for (const cfg of convConfigs()) {
    const label = `${cfg.model} t${cfg.threads} xnnpack ${cfg.xnnpack ? 'on' : 'off'}`;
    log(`conv: ${MODELS[cfg.model].label}, threads ${cfg.threads}, XNNPACK ${cfg.xnnpack ? 'on' : 'off'}`);
    const file = MODELS[cfg.model].file;
    const entry = await measured(`conv ${label}`, async () => {
      const owners = [
        { key: 'c', engine: E.c },
        ...(cfg.xnnpack ? [{ key: 'c2', engine: E.c2 }] : []),
        { key: 'addon', engine: E.addon },
        { key: 'python', engine: E.python },
        ...(cfg.xnnpack ? [] : PEER_NAMES.map((p) => ({ key: p, engine: E[p] }))),
      ].map((o) => ({ ...o, threads: cfg.threads, xnnpack: cfg.xnnpack, file, slot: slot++ }));
      const loads = await loadAll(owners);
      const owner = (key) => owners.find((o) => o.key === key);
      const v = (key, from, variant, name) => ({ key, name, engine: owner(from).engine, slot: owner(from).slot,
        variant, batch: 1 });
      const variants = [
        v('c', 'c', 'full', 'C loop: memcpy in, invoke, memcpy out'),
        ...(cfg.xnnpack ? [v('c2', 'c2', 'full', 'C loop, second process (control: process-to-process noise)')] : []),
        v('handoff', 'c', 'handoff', 'C loop, invoke on a second thread (handoff + wait)'),
        v('sync', 'addon', 'sync', 'addon: cached views + invoke()'),
        v('async', 'addon', 'async', 'addon: cached views + await invokeAsync()'),
        v('run', 'addon', 'run', 'addon: run() (copies)'),
        v('python', 'python', 'full', 'Python tf.lite: set_tensor, invoke, get_tensor'),
        ...(cfg.xnnpack ? [] : PEER_NAMES.map((p) => v(p, p, 'full', `${p} ${peerStatus[p]?.version || ''} (TFLite ` +
          `${p === 'tfjs-tflite-node' ? '2.9' : 'bundled'}, no XNNPACK)`))),
      ];
      const r = await compare(variants, { rounds: opts.rounds, budgetMs: opts.quick ? 150 : cfg.xnnpack ? 400 : 600,
        minIters: 3, maxIters: 300 });
      await freeAll(owners);
      const c = r.c;
      const py = r.python;
      return {
        ...cfg,
        label: MODELS[cfg.model].label,
        xnnpackApplied: Object.fromEntries(Object.entries(loads).map(([k, x]) => [k, x.error ? null : x.xnnpack])),
        plan: loads.addon?.plan,
        xnnpackNodes: loads.addon?.xnnpackNodes,
        rows: variants.map((x) => {
          const st = r[x.key];
          return { key: x.key, name: x.name, ...st,
            vsC: st.median !== undefined && c?.median ? st.median / c.median : undefined,
            pythonOverThis: st.median !== undefined && py?.median ? py.median / st.median : undefined };
        }),
      };
    });
    results.conv.push(entry);
  }
}

async function sectionLoad(E) {
  results.load = await measured('load', async () => {
    const out = [];
    const reps = opts.quick ? 2 : 5;
    const models = ['f32', 'int8', 'tiny'].filter((m) => fs.existsSync(MODELS[m].file));
    const engines = [['c', E.c, true, 'full'], ['addon', E.addon, true, 'sync'], ['python', E.python, true, 'full'],
      ...PEER_NAMES.map((p) => [p, E[p], false, 'full'])].filter(([, e]) => e && !e.dead);
    for (const model of models) {
      const acc = Object.fromEntries(engines.map(([k]) => [k, { load: [], alloc: [], first: [], errors: [] }]));
      for (let rep = 0; rep < reps; rep++) {
        const k = rep % engines.length;
        for (const [key, engine, xnnpack, variant] of engines.slice(k).concat(engines.slice(0, k))) {
          if (engine.dead) continue;
          try {
            const info = await engine.load(900, 1, xnnpack, MODELS[model].file);
            acc[key].load.push(info.loadUs);
            acc[key].alloc.push(info.allocUs);
            acc[key].first.push((await engine.run(900, variant, 1, 1, 0))[0]);
            await engine.free(900);
          } catch (error) {
            acc[key].errors.push(error.message.split('\n')[0]);
          }
          await sleep(20);
        }
      }
      for (const [key] of engines) {
        const a = acc[key];
        out.push({ model, engine: key, xnnpack: key === 'c' || key === 'addon' || key === 'python',
          loadUs: a.load.length ? median(a.load) : undefined, allocUs: a.alloc.length ? median(a.alloc) : undefined,
          firstInvokeUs: a.first.length ? median(a.first) : undefined, n: a.load.length, error: a.errors[0] });
      }
    }
    return out;
  });
}

async function sectionRequire() {
  results.require = await measured('require', async () => {
    const reps = opts.quick ? 5 : 21;
    const bare = [];
    const withRequire = [];
    const inProcess = [];
    const target = JSON.stringify(DIST);
    const wall = (args) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
      return { ms, stdout: r.stdout };
    };
    wall(['-e', `require(${target})`]); // warm the page cache
    for (let i = 0; i < reps; i++) {
      bare.push(wall(['-e', '0']).ms);
      withRequire.push(wall(['-e', `require(${target})`]).ms);
      const r = wall(['-e', `const t=process.hrtime.bigint();require(${target});` +
        'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))']);
      inProcess.push(Number(r.stdout));
    }
    return { reps, bareMs: stats(bare), requireMs: stats(withRequire), inProcessMs: stats(inProcess),
      overBareMs: median(withRequire) - median(bare) };
  });
}

/**
 * The machine's own limits, without the addon: one C loop process vs two running at once (1 thread each), and the
 * event-loop delay of an otherwise idle Node process while those two saturate both CPUs.
 */
async function cLoopScaling(cLoop, file, iters, rounds) {
  const runChild = (cmd, args) => new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()))
      : reject(new Error(`${path.basename(cmd)} exited ${code}`))));
  });
  const runOne = () => runChild(cLoop, [file, '--threads', '1', '--iters', String(iters), '--warmup', '3']);
  const mean = (r) => r.us.reduce((a, b) => a + b, 0) / r.us.length;
  const single = [];
  const pair = [];
  const lag = [];
  for (let r = 0; r < rounds; r++) {
    const one = await runOne();
    single.push(1e6 / mean(one));
    const seconds = (mean(one) * iters) / 1e6;
    const probe = runChild(process.execPath, ['-e', `const h=require('perf_hooks').monitorEventLoopDelay({resolution:1});` +
      `h.enable();setTimeout(()=>{h.disable();process.stdout.write(JSON.stringify({p50:h.percentile(50)/1e6,` +
      `p99:h.percentile(99)/1e6,max:h.max/1e6}))},${Math.max(500, Math.round(seconds * 800))})`]);
    const both = await Promise.all([runOne(), runOne(), probe]);
    pair.push(both[0] && both[1] ? 1e6 / mean(both[0]) + 1e6 / mean(both[1]) : NaN);
    lag.push(both[2]);
  }
  return { onePerSecond: median(single), twoPerSecond: median(pair), ratio: median(pair) / median(single),
    idleNodeLagP99Ms: Math.max(...lag.map((x) => x.p99)), idleNodeLagP50Ms: median(lag.map((x) => x.p50)) };
}

async function sectionAsync(cLoop) {
  results.async = await measured('async', async () => {
    const file = MODELS.f32.file;
    const seconds = opts.quick ? 1 : 3;
    const rounds = opts.quick ? 1 : 3;
    const r = spawnSync(process.execPath, [path.join(BENCH, 'async_bench.js'), file, String(seconds), String(rounds)],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 10 * 60 * 1000 });
    if (r.status !== 0) {
      note(`async section failed: ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}`);
      return null;
    }
    const data = JSON.parse(r.stdout.trim().split('\n').pop());
    const summary = {};
    for (const [mode, runs] of Object.entries(data.results)) {
      summary[mode] = { perSecond: median(runs.map((x) => x.perSecond)), lagP99Ms: Math.max(...runs.map((x) => x.lagP99Ms)),
        lagP50Ms: median(runs.map((x) => x.lagP50Ms)), lagMaxMs: Math.max(...runs.map((x) => x.lagMaxMs)), rounds: runs };
    }
    let cScaling = null;
    if (cLoop) {
      try {
        cScaling = await cLoopScaling(cLoop, file, opts.quick ? 60 : 300, opts.quick ? 1 : 2);
      } catch (error) {
        note(`C loop scaling reference failed: ${error.message}`);
      }
    }
    return { model: path.relative(ROOT, file), seconds, rounds, modes: summary,
      twoOverOne: summary.async2.perSecond / summary.async1.perSecond,
      poolOverOne: summary.pool2.perSecond / summary.async1.perSecond, cScaling };
  });
}

async function sectionSoak() {
  results.soak = await measured('soak', async () => {
    const file = MODELS.tiny.file;
    // 40000 cycles: V8 grows its young generation to the default maximum (~32 MB) over the first ~8000 of them, so
    // drift is measured over the last 30000 (after the 25 % warm-up); 10000 cycles from cold mostly show that growth.
    const counts = opts.quick ? [1000, 100000, 1000] : [40000, 1000000, 10000];
    const run = (v8flags) => {
      const r = spawnSync(process.execPath, ['--expose-gc', ...v8flags, path.join(BENCH, 'soak.js'), file,
        ...counts.map(String)], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
        timeout: 20 * 60 * 1000 });
      if (r.status !== 0) throw new Error((r.stderr || '').trim().split('\n').slice(-3).join(' '));
      return JSON.parse(r.stdout.trim().split('\n').pop());
    };
    try {
      const out = { model: path.relative(ROOT, file), counts, default: run([]) };
      if (!opts.quick) out.semiSpace1MB = run(['--max-semi-space-size=1']);
      return out;
    } catch (error) {
      note(`soak failed: ${error.message}`);
      return null;
    }
  });
}

/** An unstripped copy of `libFile` (same ELF build id) from the recipe's build tree, so perf can name its kernels. */
function unstrippedTwin(libFile) {
  const buildId = (f) => {
    try {
      return (execFileSync('readelf', ['-n', f], { encoding: 'utf8' }).match(/Build ID: ([0-9a-f]+)/) || [])[1] || null;
    } catch {
      return null;
    }
  };
  const want = buildId(libFile);
  const arch = process.arch === 'x64' ? 'x64' : process.arch;
  const candidate = path.join(ROOT, '.tflite-build', `build-${arch}`, 'libtensorflowlite_c.so');
  return want && fs.existsSync(candidate) && buildId(candidate) === want ? candidate : null;
}

/**
 * Where time goes inside one invoke (1 thread, XNNPACK on): perf samples per symbol for the C loop over this
 * package's library and for Python's tf.lite 2.21, as milliseconds per invoke. Explains the Python comparison.
 */
async function sectionProfile(cLoop, python, libFile) {
  if (spawnSync('perf', ['--version']).status !== 0) {
    note('perf is not available: the kernel-level profile (C loop vs Python) is skipped');
    return;
  }
  const twin = unstrippedTwin(libFile);
  const symfs = path.join(CACHE, 'perf-symfs');
  fs.rmSync(symfs, { recursive: true, force: true });
  if (twin) {
    const target = path.join(symfs, libFile);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(twin, target);
  } else {
    note('no unstripped twin of the library (.tflite-build/build-*/): perf cannot name XNNPACK\'s kernels in the C loop profile');
  }
  const hz = 1999;
  results.profile = await measured('profile', async () => {
    const out = [];
    const runs = [['f32', 1], ['int8', 1], ['int8pc', 1], ['int8', 2]].filter(([m]) => fs.existsSync(MODELS[m].file));
    for (const [model, threads] of runs) {
      const iters = model === 'f32' ? 300 : 500;
      const entry = { model, threads, label: `${model} t${threads}`, iters, engines: {} };
      for (const engine of ['c', 'python']) {
        const cmd = engine === 'c' ? [cLoop, MODELS[model].file, '--threads', String(threads), '--iters', String(iters),
          '--warmup', '5'] : [python, path.join(BENCH, 'python_bench.py'), '--oneshot', MODELS[model].file, String(iters),
          String(threads)];
        if (!cmd[0]) continue;
        const data = path.join(CACHE, `perf-${engine}-${model}-t${threads}.data`);
        const rec = spawnSync('perf', ['record', '-q', '-F', String(hz), '-o', data, '--', ...cmd],
          { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 10 * 60 * 1000 });
        if (rec.status !== 0) {
          note(`perf record failed for ${engine}/${model}: ${(rec.stderr || '').trim().split('\n').slice(-1)[0]}`);
          continue;
        }
        const us = JSON.parse(rec.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()).us;
        const rep = spawnSync('perf', ['report', '-i', data, '-n', '--no-children', '--sort', 'sym', '--stdio',
          ...(engine === 'c' && twin ? ['--symfs', symfs] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 });
        const kernels = [];
        for (const line of (rep.stdout || '').split('\n')) {
          const m = line.match(/^\s*[\d.]+%\s+(\d+)\s+\[(.)\]\s+(.+?)\s*$/);
          if (!m || m[2] !== '.') continue;
          const sym = m[3];
          if (!/^(xnn_|ruy::|tflite::|gemmlowp|Eigen|pthreadpool|(anonymous namespace)|__mem)/.test(sym)) continue;
          kernels.push({ sym, ms: (Number(m[1]) / hz / (iters + 5)) * 1000 });
        }
        entry.engines[engine] = { medianUs: median(us), kernels: kernels.slice(0, 12) };
        fs.rmSync(data, { force: true });
      }
      out.push(entry);
    }
    return out;
  });
}

// ---- targets ----------------------------------------------------------------------------------------------------------

function evaluateTargets() {
  const targets = [];
  const add = (target, measured, met, detail = '') => targets.push({ target, measured, met, detail });
  const conv = (model, threads, xnnpack = true) => results.conv.find((c) => c.model === model && c.threads === threads &&
    c.xnnpack === xnnpack);
  const row = (c, key) => c?.rows.find((r) => r.key === key);

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
    const find = (name) => results.tiny.rows.find((r) => r.name.startsWith(name));
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

// ---- report ---------------------------------------------------------------------------------------------------------

function machineInfo(versions) {
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
    : `node bench/run.js${argv.length ? ` ${argv.join(' ')}` : ''}`;
  return { cpu: model, cores: os.cpus().length, memGB: +(os.totalmem() / 2 ** 30).toFixed(1), kernel: os.release(),
    node: process.version, date: new Date().toISOString(), command: cmd, commit, ...versions };
}

function report(machine, targets) {
  const out = [];
  const md = [];
  const both = (text) => { out.push(text); md.push(text); };
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
    const rows = targets.map((t) => [t.met === null ? 'info' : t.met ? 'met' : 'MISSED', t.target, t.measured]);
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
    const rows = results.tiny.rows.map((r) => [r.name, r.xnnpack ? 'on' : 'off', r.error ? `— (${r.error.slice(0, 50)})`
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
    const names = { sync1: '1 interpreter, sync invoke() (loop yields with setImmediate between calls)',
      async1: '1 interpreter, await invokeAsync() in a loop', async2: '2 interpreters, two concurrent invokeAsync loops',
      pool2: 'createPool size 2, two concurrent pool.run() loops',
      node1: 'no addon: Node\'s crypto.pbkdf2 on the libuv pool, jobs as long as one invoke, 1 loop',
      node2: 'no addon: the same, 2 concurrent loops' };
    const rows = Object.entries(a.modes).map(([k, m]) => [names[k] || k, m.perSecond.toFixed(1),
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
        const f = (list) => { const k = list.find((x) => x.sym === sym); return k ? `${k.ms.toFixed(3)} ms` : '—'; };
        rows.push([p.label, sym.length > 70 ? `${sym.slice(0, 67)}...` : sym, f(c), f(py)]);
      }
    }
    out.push(table(headers, rows));
    md.push(mdTable(headers, rows));
    const sum = (p, engine, re) => (p?.engines[engine]?.kernels || []).filter((k) => re.test(k.sym))
      .reduce((a, k) => a + k.ms, 0);
    const f = results.profile.find((p) => p.model === 'f32' && p.threads === 1);
    const pc = results.profile.find((p) => p.model === 'int8pc' && p.threads === 1);
    const i2 = results.profile.find((p) => p.model === 'int8' && p.threads === 2);
    const lines = [];
    if (f?.engines.c && f?.engines.python) {
      const g = (e) => sum(f, e, /^xnn_f32_i?gemm/).toFixed(2);
      const d = (e) => sum(f, e, /^xnn_f32_dwconv/).toFixed(2);
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
      const d = (e) => sum(i2, e, /^xnn_qs8_qc8w_dwconv/).toFixed(2);
      const g = (e) => sum(i2, e, /^xnn_qs8_qc8w_i?gemm/).toFixed(2);
      const pool = (e) => sum(i2, e, /^(pthreadpool|thread_main)/).toFixed(2);
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
  return { text: out.join('\n'), md: md.join('\n') + '\n' };
}

// ---- main -----------------------------------------------------------------------------------------------------------

async function main() {
  log(`tflite-runtime benchmarks${opts.quick ? ' (--quick)' : ''}`);
  ensureDist();
  const python = opts.python || opts.sections.includes('conv') ? findPython() : null;
  const haveConv = ensureModels(python);
  let files;
  try {
    files = addonFiles();
  } catch (error) {
    throw new Error(`the addon does not load: ${error.message}`);
  }
  log(`addon: ${path.relative(ROOT, files.addon)} over ${path.relative(ROOT, files.lib)} (TFLite ${files.version.tflite}); ` +
    'measuring a copy of it in bench/.cache/snapshot/');
  const snap = snapshotPackage(files);
  process.env.TFLITE_RUNTIME_DIST = DIST; // for the engine, async and soak children
  const cLoop = ensureCLoop(snap.lib);
  if (opts.peers) ensurePeers();
  else note(`peers skipped (${opts.quick ? '--quick' : '--no-peers'})`);

  const E = {};
  const engines = [];
  const start = (key, ...a) => { E[key] = new Engine(...a); engines.push(E[key]); return E[key]; };
  try {
    if (cLoop) {
      start('c', 'c-loop', cLoop, []);
      start('c2', 'c-loop-2', cLoop, []); // a second, identical process: the noise floor between two processes
    }
    start('addon', 'addon', process.execPath, [path.join(BENCH, 'engines', 'addon.js')]);
    const versions = { tflite: files.version.tflite, addon: files.version.addon, python: null,
      addonBinary: `${path.relative(ROOT, files.addon)} (sha256 ${files.addonSha256}…)`,
      library: `${path.relative(ROOT, files.lib)} (sha256 ${files.libSha256}…)` };
    if (opts.python) {
      if (!python) {
        note('Python tf.lite skipped: no .venv/bin/python (or $BENCH_PYTHON)');
      } else {
        const py = start('python', 'python', python, [path.join(BENCH, 'python_bench.py')], { handshake: true });
        const hello = await Promise.race([py.ready, sleep(120000).then(() => ({ ready: false, error: 'timeout' }))]);
        if (!hello || hello instanceof Error || !hello.ready) {
          note(`Python tf.lite skipped: ${hello ? hello.error || hello.message : 'no answer'} ${py.stderr.slice(-300)}`);
          await py.close();
          E.python = null;
        } else {
          versions.python = `${hello.tensorflow} (numpy ${hello.numpy})`;
        }
      }
    }
    if (opts.peers) {
      for (const name of PEER_NAMES) {
        if (peerStatus[name].ok === false) continue;
        const engine = start(name, name, process.execPath, [path.join(BENCH, 'engines', 'peer.js'), name]);
        try {
          await engine.load(0, 1, false, MODELS.tiny.file);
          await engine.run(0, 'full', 2, 10, 1);
          await engine.free(0);
          peerStatus[name].ok = true;
        } catch (error) {
          peerStatus[name] = { ok: false, why: `does not load/run: ${error.message.split('\n').slice(0, 2).join(' ')}` };
          await engine.close();
          E[name] = null;
        }
      }
    }

    const want = (s) => opts.sections.includes(s);
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
      fs.writeFileSync(opts.jsonPath, JSON.stringify(json, (k, v) => (k === 'samples' && Array.isArray(v) && typeof v[0] === 'number'
        ? v.map((x) => +x.toFixed(4)) : v)));
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
