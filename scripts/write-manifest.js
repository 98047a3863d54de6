// Writes prebuilds/<platform>/manifest.json: what the prebuilt files are and exactly what they were built from.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { nativeSourcesHash } = require('./native-hash');
const { recipePatches } = require('./patch-set');

const repo = path.join(__dirname, '..');
const out = process.env.OUT;
const triple = process.env.TRIPLE;
const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const tool = (name) => (process.env.ARCH === 'x64' ? name : `${triple}-${name}`);

// The addon's file name carries node-gyp-build tags. linux-arm: "armv7" so that only a Node whose
// process.config.variables.arm_version is '7' (Debian armhf, nodejs.org/NodeSource armv7l builds) picks it; an
// armv6 Node (Pi Zero/1) must not load this NEON build. Overridable with ADDON_NAME (prebuild.sh passes it).
const addonName = process.env.ADDON_NAME
  || (process.env.PLATFORM === 'linux-arm' ? 'tflite-runtime.napi.armv7.glibc.node' : 'tflite-runtime.napi.glibc.node');
const lib = path.join(out, 'libtensorflowlite_c.so');
const addon = path.join(out, addonName);
const exported = execFileSync(tool('nm'), ['-D', '--defined-only', lib], { encoding: 'utf8' })
  .split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => /^[TW]$/.test(p[1] ?? '') && /^TfLite/.test(p[2]))
  .map((p) => p[2].replace(/@.*$/, '')).sort();
const glibc = (file) => [...new Set(execFileSync(tool('objdump'), ['-T', file], { encoding: 'utf8' })
  .match(/GLIBC_[0-9.]+/g) ?? [])].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).pop();

// build-tflite.sh records the compiler of each library build tree; a prebuild that reuses the committed library
// (no local build) keeps what the committed manifest said.
function libraryCompiler() {
  const root = process.env.TFLITE_ROOT || path.join(repo, '.tflite-build');
  const stamp = path.join(root, `build-${process.env.ARCH}`, '.compiler');
  if (fs.existsSync(stamp)) return fs.readFileSync(stamp, 'utf8').trim();
  const previous = path.join(out, 'manifest.json');
  return (fs.existsSync(previous) && JSON.parse(fs.readFileSync(previous, 'utf8')).build?.compiler?.library) || 'unknown';
}

// What build-tflite.sh adds for a cross build (its ARM_FLAGS and the toolchain file's target flags).
function armFlags() {
  const toolchain = { arm64: 'aarch64.cmake', armv7: 'armv7.cmake' }[process.env.ARCH];
  if (!toolchain) return [];
  const text = fs.readFileSync(path.join(repo, 'scripts/toolchains', toolchain), 'utf8');
  const cflags = /set\(CMAKE_CXX_FLAGS_INIT\s+"([^"]*)"\)/.exec(text)?.[1];
  return [`-DCMAKE_TOOLCHAIN_FILE=scripts/toolchains/${toolchain}`, ...(cflags ? [`CXXFLAGS=${cflags}`] : []),
    '-DXNNPACK_ENABLE_KLEIDIAI=OFF',
    ...(process.env.ARCH === 'arm64' ? ['-DTFLITE_ENABLE_RUY=ON']
      : ['-DTFLITE_ENABLE_RUY=OFF', 'ruy/platform.h: RUY_PLATFORM_NEON 0 (Debian armhf libruy has no NEON)'])];
}

const sources = fs.readFileSync(path.join(repo, 'scripts/tflite-sources.lock'), 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#')).map((l) => l.trim().split(/\s+/))
  .map(([sha, file, suite, how]) => ({ file, sha256: sha, suite, package: how }));

// The patches build-tflite.sh applied to the TFLite source, in order.
const patches = recipePatches(repo);

const manifest = {
  platform: process.env.PLATFORM,
  tflite: { version: '2.14.1', source: 'Debian tensorflow 2.14.1+dfsg-3.1' },
  build: {
    recipe: 'scripts/build-tflite.sh build',
    flags: ['-DCMAKE_BUILD_TYPE=Release', '-DTFLITE_ENABLE_XNNPACK=ON', '-DXNNPACK_BUILD_ALL_MICROKERNELS=OFF',
      '-DTFLITE_ENABLE_GPU=OFF', '-DTFLITE_ENABLE_NNAPI=OFF', '-DFETCHCONTENT_FULLY_DISCONNECTED=ON',
      ...(process.env.ARCH === 'x64' ? ['-DTFLITE_ENABLE_RUY=ON'] : []), ...armFlags(), 'strip --strip-unneeded'],
    // The library is built with clang (build-tflite.sh says why), the addon with g++.
    compiler: {
      library: libraryCompiler(),
      addon: execFileSync(tool('g++'), ['--version'], { encoding: 'utf8' }).split('\n')[0],
    },
    minimumGlibc: [glibc(lib), glibc(addon)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).pop(),
  },
  sources,
  patches,
  nativeSourcesSha256: nativeSourcesHash(repo),
  files: {
    'libtensorflowlite_c.so': { sha256: sha256(lib), bytes: fs.statSync(lib).size },
    [addonName]: { sha256: sha256(addon), bytes: fs.statSync(addon).size },
  },
  exportedCApi: { count: exported.length, functions: exported },
};
fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
