// The committed prebuild is what its manifest says, and was built from the checked-out native/ sources.
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { nativeSourcesHash } from '../scripts/native-hash';
import { recipePatches } from '../scripts/patch-set';

const root = path.join(__dirname, '..');
const platforms = fs.readdirSync(path.join(root, 'prebuilds'))
  .filter((p) => fs.existsSync(path.join(root, 'prebuilds', p, 'manifest.json')));
const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('prebuilds exist for linux-x64', () => {
  expect(platforms).toContain('linux-x64');
});

describe.each(platforms)('prebuilds/%s', (platform) => {
  const dir = path.join(root, 'prebuilds', platform);
  // scripts/write-manifest.js writes it; what these checks read of it.
  const manifest: {
    nativeSourcesSha256: string;
    files: Record<string, { sha256: string; bytes: number }>;
    sources: { sha256: string; file: string }[];
    tflite: { version: string };
    exportedCApi: { functions: string[]; count: number };
    patches: unknown;
    build: { compiler: { library: string } };
  } = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));

  test('was built from the checked-out native/ sources (run `FORCE=1 npm run prebuilds` after changing them)', () => {
    expect(manifest.nativeSourcesSha256).toBe(nativeSourcesHash(root));
  });

  test('every file matches its recorded sha256 and size', () => {
    for (const [name, { sha256: want, bytes }] of Object.entries(manifest.files)) {
      const file = path.join(dir, name);
      expect(fs.statSync(file).size).toBe(bytes);
      expect(sha256(file)).toBe(want);
    }
  });

  test('records the pinned sources and the C API it exports (signature runners, cancellation, XNNPACK)', () => {
    const lock = fs.readFileSync(path.join(root, 'scripts/tflite-sources.lock'), 'utf8');
    for (const source of manifest.sources) expect(lock).toContain(`${source.sha256}  ${source.file}`);
    expect(manifest.tflite.version).toBe('2.14.1');
    const fns = manifest.exportedCApi.functions;
    expect(fns.length).toBe(manifest.exportedCApi.count);
    for (const fn of ['TfLiteSignatureRunnerInvoke', 'TfLiteInterpreterCancel', 'TfLiteXNNPackDelegateCreate',
      'TfLiteInterpreterModifyGraphWithDelegate', 'TfLiteTensorRealloc']) {
      expect(fns).toContain(fn);
    }
  });

  // Every platform ships the same library: built from the recipe's whole patch set (each file and its sha256) and
  // with the compiler build-tflite.sh uses (clang: XNNPACK's microkernels are tuned for it).
  test('was built from every patch in scripts/patches/, with clang', () => {
    expect(manifest.patches).toEqual(recipePatches(root));
    expect(manifest.build.compiler.library).toMatch(/clang/);
  });
});
