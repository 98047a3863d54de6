// The package as npm publishes it: `npm pack`, then install the tarball into a new project on a PATH with no
// compiler, and use it from CommonJS, ESM, TypeScript (type-checked) and the CLI. Needs a current build (npm test
// builds first); packing runs with --ignore-scripts so that it does not rebuild dist/ under other test files.
import { execFileSync, spawnSync, type SpawnSyncOptionsWithStringEncoding } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { fixture, expected } from './helpers';
import { tsProject } from './ts-project';

jest.setTimeout(170000);

const root = path.join(__dirname, '..');
import pkg from '../package.json';
const MiB = 1024 * 1024;
// The examples that are published: those that run from the package alone (their models are in examples/models/ or
// fetched from npm by examples/lib/fetch-model.ts), their helpers, the two MediaPipe models and the photo. Each is
// there compiled (dist/examples/, what users run) and as its source (examples/, what the README links to).
const PUBLISHED_EXAMPLES = ['quickstart', 'selfie-segmentation', 'pose-landmarks', 'frames'];
const EXAMPLE_FILES = new RegExp(`^(examples/(${PUBLISHED_EXAMPLES.join('|')}|lib/[\\w-]+)\\.ts|` +
  `dist/examples/(${PUBLISHED_EXAMPLES.join('|')}|lib/[\\w-]+)\\.js|` +
  'examples/models/[\\w-]+\\.tflite|examples/assets/astronaut\\.png)$');

let tmp: string;
let tarball: string;
let files: { path: string; size: number }[];

beforeAll(() => {
  expect(fs.existsSync(path.join(root, 'dist', 'cjs', 'index.js'))).toBe(true); // run `npm run build` first
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp],
    { cwd: root, encoding: 'utf8' });
  const [info] = JSON.parse(out);
  tarball = path.join(tmp, info.filename);
  files = info.files;
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The files under `dir`, as paths relative to it (POSIX separators). */
const filesUnder = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => f.split(path.sep).join('/')).sort();

describe('the tarball', () => {
  test('holds the build, the CLI, the prebuilds, the native sources and the build recipes', () => {
    const names = new Set(files.map((f) => f.path));
    const required = [
      'package.json', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/metadata.js', 'dist/esm/index.mjs',
      'dist/esm/index.d.mts', 'bin/tflite-runtime.js', 'binding.gyp', 'CMakeLists.txt', 'scripts/build-tflite.sh',
      'scripts/tflite-sources.lock', 'prebuilds/linux-x64/libtensorflowlite_c.so', 'prebuilds/linux-x64/manifest.json',
      ...fs.readdirSync(path.join(root, 'native')).map((f) => `native/${f}`),
      // every built file, the CLI's (dist/cjs/cli/) and the model checker's included
      ...filesUnder(path.join(root, 'dist', 'cjs')).map((f) => `dist/cjs/${f}`),
    ];
    for (const file of required) expect({ file, packed: names.has(file) }).toEqual({ file, packed: true });
    expect([...names].filter((n) => /^prebuilds\/linux-x64\/.*\.node$/.test(n))).toHaveLength(1);
    if (fs.existsSync(path.join(root, 'README.md'))) expect(names.has('README.md')).toBe(true);
  });

  test('holds no tests, build trees or sources of the build; of the examples only the quick start and its data', () => {
    const unwanted = files.map((f) => f.path).filter((n) =>
      /^(test|build|\.tflite-build|node_modules|bench|lib|\.venv|\.ci|coverage)\//.test(n) ||
      (/^(dist\/)?examples\//.test(n) && !EXAMPLE_FILES.test(n)) ||
      (/\.tflite$/.test(n) && !/^examples\/models\//.test(n)) || /\.(o|a|log|tgz)$/.test(n));
    expect(unwanted).toEqual([]);
    const names = new Set(files.map((f) => f.path));
    for (const file of [...PUBLISHED_EXAMPLES.flatMap((f) => [`examples/${f}.ts`, `dist/examples/${f}.js`]),
      'examples/lib/blazeface.ts', 'dist/examples/lib/blazeface.js', 'dist/examples/lib/draw.js',
      'dist/examples/lib/package-root.js', 'examples/models/face_detection_short_range.tflite',
      'examples/assets/astronaut.png']) {
      expect({ file, packed: names.has(file) }).toEqual({ file, packed: true });
    }
  });

  test('size: each platform prebuild under 8 MiB, the examples\' models and photo under 1.5 MiB, docs and licences under 512 KiB, the rest under 832 KiB, all under 10 MiB', () => {
    const platforms: Record<string, number> = {};
    let exampleData = 0;
    let docs = 0;
    let rest = 0;
    for (const { path: name, size } of files) {
      const match = /^prebuilds\/([^/]+)\//.exec(name);
      if (match) platforms[match[1]] = (platforms[match[1]] ?? 0) + size;
      else if (/^examples\/(models|assets)\//.test(name)) exampleData += size;
      else if (/^(docs|licenses)\/|^(LICENSE|NOTICE|README\.md)$/.test(name)) docs += size;
      else rest += size;
    }
    expect(Object.keys(platforms)).toContain('linux-x64');
    for (const [platform, size] of Object.entries(platforms)) expect({ platform, over: size > 8 * MiB }).toEqual({ platform, over: false });
    expect(exampleData).toBeLessThan(1.5 * MiB);
    expect(docs).toBeLessThan(512 * 1024);
    // The library, the CLI and the generated schema reader (dist/cjs: ~330 KiB), the published examples (sources and
    // compiled), native/ and the recipe (its patches: ~180 KiB, 30 of them).
    expect(rest).toBeLessThan(832 * 1024);
    expect(fs.statSync(tarball).size).toBeLessThan(Math.min(10 * MiB, 4 * MiB * Object.keys(platforms).length));
  });

  test('stands alone: LICENSE, NOTICE, a licence folder for every source the library is built from, the docs', () => {
    const names = new Set(files.map((f) => f.path));
    expect(pkg.license).toBe('Apache-2.0');
    expect(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    for (const file of ['LICENSE', 'NOTICE', 'licenses/README.md', 'licenses/Apache-2.0.txt', 'licenses/MPL-2.0.txt',
      'licenses/node-addon-api/LICENSE.md', ...fs.readdirSync(path.join(root, 'docs')).map((f) => `docs/${f}`)]) {
      expect({ file, packed: names.has(file) }).toEqual({ file, packed: true });
    }
    // Every source package in the lock has its Debian copyright file packed, and NOTICE names it.
    const notice = fs.readFileSync(path.join(root, 'NOTICE'), 'utf8');
    const lock = fs.readFileSync(path.join(root, 'scripts', 'tflite-sources.lock'), 'utf8');
    const sources = new Set([...lock.matchAll(/^\S+\s+\S+\s+\S+\s+(?:source:([\w.+-]+)=|deb:lib([\w.+-]+)-dev:)/gm)]
      .map((m) => m[1] ?? m[2]));
    expect(sources.size).toBeGreaterThanOrEqual(14);
    const credited: Record<string, string> = { tensorflow: 'TensorFlow Lite', xnnpack: 'XNNPACK', abseil: 'Abseil', eigen3: 'Eigen',
      flatbuffers: 'FlatBuffers', ruy: 'ruy', gemmlowp: 'gemmlowp', cpuinfo: 'cpuinfo', pthreadpool: 'pthreadpool',
      fp16: 'FP16', fxdiv: 'FXdiv', farmhash: 'FarmHash', 'neon-2-sse': 'NEON_2_SSE', oourafft: 'Ooura' };
    for (const source of sources) {
      expect({ source, packed: names.has(`licenses/${source}/debian-copyright`), credited: notice.includes(credited[source]) })
        .toEqual({ source, packed: true, credited: true });
    }
    // The examples' third-party data is credited with its sha256.
    for (const file of files.map((f) => f.path).filter((n) => /^examples\/(models|assets)\//.test(n))) {
      const sha = crypto.createHash('sha256').update(fs.readFileSync(path.join(root, file))).digest('hex');
      expect({ file, inNotice: notice.includes(path.basename(file)) && notice.includes(sha) }).toEqual({ file, inNotice: true });
    }
  });

  test('links work from the npm page: repository/homepage/bugs set, README\'s relative links point into the tarball', () => {
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    const web = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    expect(pkg.homepage).toBe(`${web}#readme`);
    expect(pkg.bugs.url).toBe(`${web}/issues`);
    const names = new Set(files.map((f) => f.path));
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1])
      .filter((link) => !/^(https?:|mailto:|#)/.test(link)).map((link) => link.replace(/#.*$/, ''));
    expect(relative.length).toBeGreaterThan(0);
    for (const link of relative) {
      const target = path.posix.normalize(link);
      const packed = names.has(target) || [...names].some((n) => n.startsWith(`${target.replace(/\/$/, '')}/`));
      expect({ link, packed }).toEqual({ link, packed: true });
    }
    // Every docs/*.md the CLI's --help names is packed (the help is in dist/cjs/cli/).
    const help = filesUnder(path.join(root, 'dist', 'cjs', 'cli')).filter((f) => f.endsWith('.js'))
      .map((f) => fs.readFileSync(path.join(root, 'dist', 'cjs', 'cli', f), 'utf8')).join('\n');
    for (const [doc] of help.matchAll(/docs\/[\w.-]+\.md/g)) expect({ doc, packed: names.has(doc) }).toEqual({ doc, packed: true });
  });
});

describe('installed into a new project, with no compiler on PATH', () => {
  let project: string;
  let env: NodeJS.ProcessEnv;
  const node = (args: string[], options: Omit<SpawnSyncOptionsWithStringEncoding, 'encoding'> = {}) => spawnSync(process.execPath, args, { cwd: project, env, encoding: 'utf8', ...options });

  beforeAll(() => {
    project = path.join(tmp, 'consumer');
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(project);
    fs.mkdirSync(bin);
    // Only node, npm and sh (npm runs install scripts with it): no cc, g++, make or python, so a source build could
    // not happen.
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
    const npmCli = fs.realpathSync(execFileSync('/bin/sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
    fs.symlinkSync(npmCli, path.join(bin, 'npm'));
    fs.symlinkSync(path.join(path.dirname(npmCli), 'npx-cli.js'), path.join(bin, 'npx'));
    env = { HOME: os.homedir(), PATH: bin, TMPDIR: os.tmpdir(), npm_config_update_notifier: 'false' };
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  });

  test('no compiler is reachable', () => {
    const r = spawnSync('/bin/sh', ['-c', 'command -v cc || command -v gcc || command -v g++ || command -v make || command -v python3'], { env, encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).not.toBe(0);
  });

  test('npm install <tarball> succeeds and uses the prebuild (nothing compiled)', () => {
    const r = spawnSync(path.join(tmp, 'bin', 'npm'), ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'],
      { cwd: project, env, encoding: 'utf8', timeout: 150000 });
    if (r.status !== 0) throw new Error(`npm install failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    const installed = path.join(project, 'node_modules', 'tflite-runtime');
    expect(JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).version).toBe(pkg.version);
    expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
    expect(r.stdout + r.stderr).not.toMatch(/gyp (info|ERR)/);
  });

  const add = expected['add.tflite'];
  const addInputs = JSON.stringify(add.inputs.map((i) => i.value));

  test('require() from CommonJS runs add.tflite', () => {
    const r = node(['-e', `
      const t = require('tflite-runtime');
      const it = new t.Interpreter(${JSON.stringify(fixture('add.tflite'))});
      it.allocateTensors();
      const out = it.run(${addInputs}.map((v) => Float32Array.from(v)));
      console.log(JSON.stringify({ version: t.version, out: Array.from(out.Identity), where: require.resolve('tflite-runtime') }));`]);
    expect(r.stderr.replace(/INFO: .*\n/g, '')).toBe('');
    const got = JSON.parse(r.stdout);
    expect(got.out).toEqual(add.outputs[0].value);
    expect(got.version).toEqual({ tflite: '2.14.1', addon: pkg.version });
    expect(got.where).toBe(path.join(project, 'node_modules', 'tflite-runtime', 'dist', 'cjs', 'index.js'));
  });

  test('import from ESM: named and default exports, the same classes as CommonJS', () => {
    const r = node(['--input-type=module', '-e', `
      import { Interpreter, readModelMetadata, TfLiteError } from 'tflite-runtime';
      import lib from 'tflite-runtime';
      import { createRequire } from 'module';
      const cjs = createRequire(import.meta.url)('tflite-runtime');
      const it = new Interpreter(${JSON.stringify(fixture('add.tflite'))});
      it.allocateTensors();
      const out = await it.runAsync({ a: ${JSON.stringify(add.inputs[0].value)}, b: ${JSON.stringify(add.inputs[1].value)} });
      console.log(JSON.stringify({
        out: Array.from(out.Identity), same: lib.Interpreter === Interpreter && cjs.TfLiteError === TfLiteError,
        runtime: readModelMetadata(${JSON.stringify(fixture('add.tflite'))}).minRuntimeVersion }));`]);
    const got = JSON.parse(r.stdout);
    expect(got).toEqual({ out: add.outputs[0].value, same: true, runtime: add.minRuntimeVersion });
  });

  test('the CLI runs from node_modules/.bin: package.json `bin` is an executable bin/tflite-runtime.js', () => {
    const target = path.join(project, 'node_modules', 'tflite-runtime', pkg.bin['tflite-runtime']);
    expect(fs.realpathSync(path.join(project, 'node_modules', '.bin', 'tflite-runtime'))).toBe(fs.realpathSync(target));
    expect(fs.readFileSync(target, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(fs.statSync(target).mode & 0o111).toBe(0o111);
    const r = spawnSync(path.join(project, 'node_modules', '.bin', 'tflite-runtime'), ['inspect', fixture('add.tflite'), '--json'],
      { cwd: project, env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).inputs.map((i: { name: string }) => i.name)).toEqual(['a', 'b']);
    // sharp is a dev dependency: without it, image inputs fail with a clear message.
    const image = spawnSync(path.join(project, 'node_modules', '.bin', 'tflite-runtime'),
      ['run', fixture('convnet.tflite'), '-i', path.join(root, 'examples', 'assets', 'airplane.jpg')], { cwd: project, env, encoding: 'utf8' });
    expect(image.status).toBe(1);
    expect(image.stderr).toContain("reading images needs the optional package 'sharp' (npm install sharp)");
  });

  test('npx tflite-runtime --help points at docs that exist in the installed package, and at the repository', () => {
    const r = spawnSync(path.join(tmp, 'bin', 'npx'), ['--offline', 'tflite-runtime', '--help'], { cwd: project, env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const installed = path.join(project, 'node_modules', 'tflite-runtime');
    const local = /(\S+docs\/CLI\.md) \(in the package\)/.exec(r.stdout);
    expect(local && fs.realpathSync(local[1])).toBe(fs.realpathSync(path.join(installed, 'docs', 'CLI.md')));
    const web = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    expect(r.stdout).toContain(`${web}/blob/main/docs/CLI.md`);
  });

  test('a TypeScript file (CommonJS and ESM) type-checks with --strict; a wrong one does not', () => {
    const use = `
      const it: Interpreter = new Interpreter('model.tflite', { threads: 2, xnnpack: { threads: 1 }, delegates: [] });
      it.allocateTensors();
      const dtype: DType = it.input('a').dtype;
      const shape: number[] = it.inputs[0].shape;
      const out: RunOutputs = it.run({ a: new Float32Array(4), b: [1, 2, 3, 4] });
      const first: TypedArray | string[] = out['Identity'];
      const details: TensorDetails[] = it.getInputDetails();
      const v: string = version.tflite;
      const labels: string[] | null = readModelMetadata('model.tflite').labels;
      async function later(signal: AbortSignal): Promise<RunOutputs> {
        const pool: InterpreterPool = await createPool('model.tflite', { size: 2 });
        try { return await pool.run([new Float32Array(4), new Float32Array(4)], { signal }); } finally { pool.dispose(); }
      }
      try { it.invoke(); } catch (e) { if (e instanceof TfLiteError) { const code: TfLiteErrorCode = e.code; void code; } }
      void [dtype, shape, first, details, v, labels, later];
    `;
    const names = 'Interpreter, TfLiteError, version, readModelMetadata, createPool, InterpreterPool, type DType, ' +
      'type RunOutputs, type TypedArray, type TensorDetails, type TfLiteErrorCode';
    fs.writeFileSync(path.join(project, 'use.ts'), `import { ${names} } from 'tflite-runtime';\n${use}`);
    fs.writeFileSync(path.join(project, 'use.mts'), `import { ${names} } from 'tflite-runtime';\nimport lib from 'tflite-runtime';\n${use}\nvoid lib.Interpreter;\n`);
    fs.writeFileSync(path.join(project, 'wrong.ts'),
      "import { Interpreter } from 'tflite-runtime';\nnew Interpreter('m.tflite', { threads: 'two' });\n");
    const tsc = (file: string) => node([path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict',
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--typeRoots', path.join(root, 'node_modules', '@types'), '--types', 'node', file]);
    for (const file of ['use.ts', 'use.mts']) {
      const r = tsc(file);
      expect({ file, status: r.status, out: r.stdout }).toEqual({ file, status: 0, out: '' });
    }
    const wrong = tsc('wrong.ts');
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toMatch(/wrong\.ts\(2,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });

  test("the README's ts snippets compile (strict, exactOptionalPropertyTypes, nodenext) against the installed package and run", () => {
    const installed = path.join(project, 'node_modules', 'tflite-runtime');
    const ts = tsProject(path.join(tmp, 'ts-consumer'), { packageDir: installed });
    expect(ts.snippets).toBeGreaterThanOrEqual(3);
    expect(ts.compile()).toEqual({ status: 0, output: '' });
    // From the installed package's own folder: the snippets name its published example model by a relative path.
    for (const r of ts.run(installed)) expect(r).toEqual({ file: r.file, status: 0, stderr: '' });
  }, 180000);

  // The README's quick start from the installed package: sharp is an optional peer dependency, so it is asked for
  // by name until it is installed; then the face is found and the annotated photo written into the project.
  const quickstart = () => path.join(project, 'node_modules', 'tflite-runtime', 'dist', 'examples', 'quickstart.js');

  test('the quick start without sharp says to install it', () => {
    const r = node([quickstart()]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('this example needs sharp to read and draw images: npm install sharp');
  });

  test('with sharp installed (no compiler), the quick start finds the face and writes the annotated image', () => {
    const version = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'sharp', 'package.json'), 'utf8')).version;
    const install = spawnSync(path.join(tmp, 'bin', 'npm'), ['install', `sharp@${version}`, '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: project, env, encoding: 'utf8', timeout: 150000 });
    if (install.status !== 0) throw new Error(`npm install sharp failed (${install.status}):\n${install.stdout}\n${install.stderr}`);
    const r = node([quickstart()]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^1 face\(s\) with score >= 0\.5 /m);
    const face = /^ {2}face 1: score (0\.\d+), box x=([\d.]+) y=([\d.]+) w=([\d.]+) h=([\d.]+) px$/m.exec(r.stdout);
    expect(face).not.toBeNull();
    const [score, x, y, w, h] = face!.slice(1).map(Number);
    // Where the face is in the photo (see test/examples.test.ts): centre (225, 128), about 95 px square.
    expect(score).toBeGreaterThan(0.8);
    expect(Math.abs(x + w / 2 - 225)).toBeLessThan(12);
    expect(Math.abs(y + h / 2 - 128)).toBeLessThan(12);
    const written = path.join(project, 'quickstart-faces.png');
    expect(r.stdout).toContain(`wrote ${written}`);
    expect(fs.readFileSync(written).subarray(1, 4).toString()).toBe('PNG');
  });

  test('the published examples\' sources type-check (strict) against the published types and the installed sharp', () => {
    const examples = path.join(project, 'node_modules', 'tflite-runtime', 'examples');
    const ts = [...PUBLISHED_EXAMPLES.map((f) => `${f}.ts`), ...fs.readdirSync(path.join(examples, 'lib')).map((f) => `lib/${f}`)]
      .map((f) => path.join(examples, f));
    const r = node([path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit',
      '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--typeRoots', path.join(root, 'node_modules', '@types'), '--types', 'node', ...ts]);
    expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: '' });
  });
});
