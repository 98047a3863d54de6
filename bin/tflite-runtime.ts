#!/usr/bin/env node
// The tflite-runtime CLI (package.json `bin`: bin/tflite-runtime.js, compiled from this file by tsconfig.bin.json in
// `npm run build`; bin/ of shared/DESIGN.md's layout). Its commands are in lib/cli/, built with the library into
// dist/cjs/cli/; this file only starts them.
import { start } from '../dist/cjs/cli/main';

start();
