#!/usr/bin/env node
// The tflite-runtime CLI (package.json `bin`: dist/cjs/cli/bin.js): inspect, run and bench TensorFlow Lite models.
// See docs/CLI.md; the commands are in main.ts and its neighbours.
import { start } from './main';

start();
