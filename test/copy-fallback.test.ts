// Runtimes that forbid external ArrayBuffers (Electron's sandbox): detected at load, tensor views become copies
// that behave like views for the usual flow. Forced here with TFLITE_RUNTIME_NO_EXTERNAL_BUFFERS=1.
import path from 'path';
import { execFileSync } from 'child_process';
import { zeroCopy } from '../dist/cjs';

test('with external buffers forbidden, data is a copy written back before invoke and refreshed after', () => {
  // test/scripts/copy-fallback.ts, compiled into dist-tools/ by `npm run build`.
  const script = path.join(__dirname, '..', 'dist-tools', 'test', 'scripts', 'copy-fallback.js');
  const out = execFileSync(process.execPath, [script], {
    env: { ...process.env, TFLITE_RUNTIME_NO_EXTERNAL_BUFFERS: '1' }, encoding: 'utf8' });
  const result: unknown = JSON.parse(out.trim().split('\n').pop()!);
  expect(result).toEqual({
    zeroCopy: false,
    first: [11, 22, 33, 44],
    second: [110, 22, 33, 44],
    third: [100, 2, 3, 4],
    keptAfterAllocate: 4, // a copy is the caller's memory: nothing to detach
  });
});

test('by default views are zero-copy', () => {
  expect(zeroCopy).toBe(true);
});
