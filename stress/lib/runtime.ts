// Where the package is (the checkout, or stress/asan.sh's scratch copy) and the library the tools run: the built
// dist/cjs, or $TFLITE_RUNTIME_DIST (bench/ snapshots the package it measures). The tools run compiled, from
// dist-tools/, so they find the package root by walking up rather than by a fixed ../.. (the source is one level
// shallower). Used by stress/ and bench/.
import * as fs from 'fs';
import * as path from 'path';
import type * as Runtime from 'tflite-runtime';

export type Library = typeof Runtime;

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tflite-runtime') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no tflite-runtime package above ${from}`);
  }
}

export const ROOT = packageRoot(__dirname);
export const DIST = process.env.TFLITE_RUNTIME_DIST || path.join(ROOT, 'dist', 'cjs');

/** The library at `dist` (default: DIST), typed as the published one. */
export function loadLibrary(dist: string = DIST): Library {
  return require(dist) as Library;
}
