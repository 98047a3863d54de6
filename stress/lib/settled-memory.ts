// Memory as it settles once garbage is gone: three event-loop turns each followed by a forced GC (finalizers of
// dropped interpreters and views run on the turns between), then process.memoryUsage() in MB. Needs --expose-gc.
// Used by stress/soak.ts, stress/bad-input-leak.ts and bench/soak.ts.
const MB = 1024 * 1024;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface SettledMemory { rss: number; heapTotal: number; heapUsed: number; external: number }

export async function settledMemory(): Promise<SettledMemory> {
  for (let i = 0; i < 3; i++) {
    await turn();
    global.gc!();
  }
  await turn();
  const m = process.memoryUsage();
  return { rss: m.rss / MB, heapTotal: m.heapTotal / MB, heapUsed: m.heapUsed / MB, external: m.external / MB };
}
