#!/usr/bin/env node
// The tflite-runtime CLI: inspect, run and bench TensorFlow Lite models. See docs/CLI.md.
// A shim: the commands are TypeScript in lib/cli/, built with the library into dist/cjs/cli/.
// @ts-check
'use strict';
let cli;
try {
  cli = require('../dist/cjs/cli/main.js');
} catch (caught) {
  const error = /** @type {NodeJS.ErrnoException | null} */ (caught);
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/cjs/cli/main.js')) {
    process.stderr.write('tflite-runtime: cannot load tflite-runtime: the CLI is not built (in a source checkout, ' +
      'run `npm run build`)\n');
    process.exit(1);
  }
  throw error;
}
cli.start();
