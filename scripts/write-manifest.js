// Writes prebuilds/<platform>/manifest.json: what the prebuilt files are and exactly what they were built from.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { nativeSourcesHash } = require('./native-hash');

const repo = path.join(__dirname, '..');
const out = process.env.OUT;
const triple = process.env.TRIPLE;
const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const tool = (name) => (process.env.ARCH === 'x64' ? name : `${triple}-${name}`);

const lib = path.join(out, 'libtensorflowlite_c.so');
const addon = path.join(out, 'tflite-runtime.napi.glibc.node');
const exported = execFileSync(tool('nm'), ['-D', '--defined-only', lib], { encoding: 'utf8' })
  .split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => /^[TW]$/.test(p[1] ?? '') && /^TfLite/.test(p[2]))
  .map((p) => p[2].replace(/@.*$/, '')).sort();
const glibc = (file) => [...new Set(execFileSync(tool('objdump'), ['-T', file], { encoding: 'utf8' })
  .match(/GLIBC_[0-9.]+/g) ?? [])].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).pop();

const sources = fs.readFileSync(path.join(repo, 'scripts/tflite-sources.lock'), 'utf8').split('\n')
  .filter((l) => l && !l.startsWith('#')).map((l) => l.trim().split(/\s+/))
  .map(([sha, file, suite, how]) => ({ file, sha256: sha, suite, package: how }));

const manifest = {
  platform: process.env.PLATFORM,
  tflite: { version: '2.14.1', source: 'Debian tensorflow 2.14.1+dfsg-3.1' },
  build: {
    recipe: 'scripts/build-tflite.sh build',
    flags: ['-DCMAKE_BUILD_TYPE=Release', '-DTFLITE_ENABLE_XNNPACK=ON', '-DXNNPACK_BUILD_ALL_MICROKERNELS=OFF',
      '-DTFLITE_ENABLE_GPU=OFF', '-DTFLITE_ENABLE_NNAPI=OFF', '-DFETCHCONTENT_FULLY_DISCONNECTED=ON',
      'strip --strip-unneeded'],
    compiler: execFileSync(tool('g++'), ['--version'], { encoding: 'utf8' }).split('\n')[0],
    minimumGlibc: [glibc(lib), glibc(addon)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).pop(),
  },
  sources,
  nativeSourcesSha256: nativeSourcesHash(repo),
  files: {
    'libtensorflowlite_c.so': { sha256: sha256(lib), bytes: fs.statSync(lib).size },
    'tflite-runtime.napi.glibc.node': { sha256: sha256(addon), bytes: fs.statSync(addon).size },
  },
  exportedCApi: { count: exported.length, functions: exported },
};
fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
