// The published types, exercised as a strict TypeScript user would (test/ts-project.ts): test/types/usage.mts and
// every `ts` block of the README compile against this checkout's package and run. test/pack.test.ts does the same
// against the installed tarball.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { tsProject } from './ts-project';

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-types-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const project = tsProject(tmp);

test('the README has ts snippets to check', () => {
  expect(project.snippets).toBeGreaterThanOrEqual(3);
});

test('usage.mts and the README snippets compile under strict + exactOptionalPropertyTypes', () => {
  expect(project.compile()).toEqual({ status: 0, output: '' });
}, 150000);

test('and they run', () => {
  const runs = project.run(ROOT);
  expect(runs.map((r) => r.file)).toContain('usage.mjs');
  for (const r of runs) expect(r).toEqual({ file: r.file, status: 0, stderr: '' });
}, 150000);
