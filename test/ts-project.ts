// A strict TypeScript consumer project, as test/types.test.ts (against this checkout) and test/pack.test.ts
// (against the installed tarball) build it: test/types/usage.mts and every `ts` block of the README, compiled with
// strict, exactOptionalPropertyTypes and nodenext resolution of 'tflite-runtime' by its name, with no ambient types
// (types: [], skipLibCheck off: the package's .d.ts must bring Node's types itself), then run.
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

const ROOT = path.resolve(__dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

export function readmeSnippets(readme = path.join(ROOT, 'README.md')): string[] {
  return [...fs.readFileSync(readme, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/**
 * Writes the project into `dir`. `packageDir`: where 'tflite-runtime' resolves (linked into dir/node_modules unless
 * it is already there). Returns compile() and run(cwd) results as { status, output }.
 */
export function tsProject(dir: string, { packageDir = ROOT, readme = path.join(packageDir, 'README.md') }: { packageDir?: string; readme?: string } = {}) {
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
  if (!fs.existsSync(path.join(modules, 'tflite-runtime'))) fs.symlinkSync(packageDir, path.join(modules, 'tflite-runtime'));
  if (!fs.existsSync(path.join(modules, '@types', 'node'))) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(modules, '@types', 'node'));
  }
  const src = path.join(dir, 'ts-src');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(src, 'package.json'), JSON.stringify({ type: 'module' }));
  fs.copyFileSync(path.join(__dirname, 'types', 'usage.mts'), path.join(src, 'usage.mts'));
  const snippets = readmeSnippets(readme);
  snippets.forEach((code, i) => fs.writeFileSync(path.join(src, `readme-${i}.mts`), `${code}\nexport {};\n`));
  fs.writeFileSync(path.join(src, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, exactOptionalPropertyTypes: true, module: 'nodenext', moduleResolution: 'nodenext',
      target: 'es2022', lib: ['es2022', 'esnext.disposable'], types: [], skipLibCheck: false, outDir: 'out',
    },
    include: ['*.mts'],
  }));
  const out = path.join(src, 'out');
  return {
    snippets: snippets.length,
    compile: () => {
      const r = spawnSync(process.execPath, [TSC, '-p', src], { encoding: 'utf8', timeout: 120000 });
      return { status: r.status, output: r.stdout + r.stderr };
    },
    /** Runs every compiled file with `cwd` (where the snippets' relative model paths resolve). */
    run: (cwd: string) => fs.readdirSync(out).filter((f) => f.endsWith('.mjs')).sort().map((file) => {
      const r = spawnSync(process.execPath, [path.join(out, file)], { cwd, encoding: 'utf8', timeout: 60000 });
      return { file, status: r.status, stderr: r.stderr };
    }),
  };
}
