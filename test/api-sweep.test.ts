// The whole public surface against hostile values (stress/api-sweep.ts, compiled into dist-tools/, in a child process so a crash names its
// case instead of ending jest): every call returns or throws a TfLiteError with a declared code, within a second
// each, with bounded memory.
import { spawnSync } from 'child_process';
import path from 'path';

test('every public call, every hostile argument: a result or a coded TfLiteError, no crash, no hang', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, '..', 'dist-tools', 'stress', 'api-sweep.js')],
    { encoding: 'utf8', timeout: 240000, maxBuffer: 64 * 1024 * 1024 });
  const lines = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { summary?: { failures: unknown[]; cases: number; typed: number } });
  const last = lines[lines.length - 1]!;
  // A crash or a hang: the last case printed is the one that did it.
  expect({ signal: r.signal, status: r.status, lastCase: last.summary ? null : last })
    .toEqual({ signal: null, status: 0, lastCase: null });
  expect(last.summary!.failures).toEqual([]);
  expect(last.summary!.cases).toBeGreaterThan(2500);
  expect(last.summary!.typed).toBeGreaterThan(2000);
}, 300000);
