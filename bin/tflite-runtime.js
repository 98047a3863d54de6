#!/usr/bin/env node
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// The tflite-runtime CLI (package.json `bin`: bin/tflite-runtime.js, compiled from this file by tsconfig.bin.json in
// `npm run build`; bin/ of shared/DESIGN.md's layout). Its commands are in lib/cli/, built with the library into
// dist/cjs/cli/; this file only starts them.
const main_1 = require("../dist/cjs/cli/main");
(0, main_1.start)();
