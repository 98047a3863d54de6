// The published types, exercised as a strict TypeScript user would: test/types/usage.mts and every `ts` block of the
// README, compiled (strict, exactOptionalPropertyTypes, nodenext, no ambient @types) against the package as it
// resolves by its name, then run. Fails if a snippet no longer compiles, or compiles but fails at run time.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-types-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const readmeBlocks = () => [...fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((m) => m[1]);

beforeAll(() => {
  fs.mkdirSync(path.join(tmp, 'node_modules', '@types'), { recursive: true });
  fs.symlinkSync(ROOT, path.join(tmp, 'node_modules', 'tflite-runtime'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(tmp, 'node_modules', '@types', 'node'));
  fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ type: 'module' }));
  fs.copyFileSync(path.join(__dirname, 'types', 'usage.mts'), path.join(tmp, 'usage.mts'));
  readmeBlocks().forEach((code, i) => fs.writeFileSync(path.join(tmp, `readme-${i}.mts`), `${code}\nexport {};\n`));
  fs.writeFileSync(path.join(tmp, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: false, module: 'nodenext',
      moduleResolution: 'nodenext', target: 'es2022', types: [], skipLibCheck: false, outDir: 'out',
      lib: ['es2022', 'esnext.disposable'],
    },
    include: ['*.mts'],
  }));
});

test('the README has ts snippets to check', () => {
  expect(readmeBlocks().length).toBeGreaterThanOrEqual(3);
});

test('usage.mts and the README snippets compile under strict + exactOptionalPropertyTypes', () => {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', tmp], { encoding: 'utf8', timeout: 120000 });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 150000);

test('and they run', () => {
  const files = fs.readdirSync(path.join(tmp, 'out')).filter((f) => f.endsWith('.mjs')).sort();
  expect(files).toContain('usage.mjs');
  for (const file of files) {
    const r = spawnSync(process.execPath, [path.join(tmp, 'out', file)], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
    expect({ file, status: r.status, stderr: r.stderr }).toEqual({ file, status: 0, stderr: '' });
  }
}, 150000);
