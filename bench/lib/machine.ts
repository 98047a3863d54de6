// The machine's state around each measured unit: is it quiet, who else used the CPUs, do two threads really run at
// once; measured() repeats a unit that ran under load.

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { opts, note, log, sectionState, liveEngines } from './context';
import { sleep } from './format';

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


/** CPU ticks of this process, its reaped children, and the engine children still running. */
function ownTicks() {
  const ticks = (pid: number | undefined, withChildren: boolean): number => {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
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
async function waitQuiet(section: string): Promise<{ busy: number; builds: string[]; waitedSeconds: number }> {
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
 * 3 attempts, full runs only); the last attempt is kept and flagged. So is one whose result reports itself
 * inconsistent (`result.unstable`: a reason, set by a section that can check its own rows).
 */
async function measured<T>(section: string, body: () => Promise<T> | T): Promise<T> {
  const attempts = opts.attempts;
  let result!: T;
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
    const unstable = result && typeof result === 'object' && !Array.isArray(result) ? (result as { unstable?: string }).unstable : null;
    sectionState[section].unstable = unstable || undefined;
    if (!(others > opts.retryOthers) && !quiet.builds.length && !builds.length && !lowParallel && !unstable) break;
    const why = [others > opts.retryOthers || quiet.builds.length || builds.length
      ? `other processes used ${(others * 100).toFixed(0)}% of the CPUs during it` +
        `${quiet.builds.length || builds.length ? ` (${[...quiet.builds, ...builds].slice(0, 3).join(' ')})` : ''}` : null,
    lowParallel ? `the two CPUs ran two threads at only ${parallel.toFixed(2)}x one (host-side sharing)` : null,
    unstable ? `inconsistent within the unit: ${unstable}` : null]
      .filter(Boolean).join('; ');
    if (attempt < attempts) {
      log(`${section}: ${why}; measuring again`);
    } else {
      note(`${section}: ${why} — its absolute times (and ratios across engines less so) are affected`);
    }
  }
  return result;
}

export { cpuBusy, buildProcesses, loadavg, cpuSnapshot, parallelProbe, waitQuiet, measured };
