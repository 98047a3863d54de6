#!/usr/bin/env node
// The tflite-runtime CLI (package.json `bin`; the bin/ of shared/DESIGN.md's layout). Its commands are TypeScript in
// lib/cli/, compiled with the library into dist/cjs/cli/; this file only starts them.
'use strict';
try {
  require.resolve('../dist/cjs/cli/main.js');
} catch {
  process.stderr.write('tflite-runtime: the CLI is not built (in a source checkout, run `npm run build`)\n');
  process.exit(1);
}
require('../dist/cjs/cli/main.js').start();
