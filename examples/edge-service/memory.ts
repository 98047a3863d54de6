#!/usr/bin/env node
// Memory per interpreter, measured: for each model, a fresh process makes a pool of 1 and one of 4 interpreters
// (each warmed up by one run) and reports its resident set size (RSS). The first interpreter's cost includes the
// model bytes (read once, shared by the pool); each further one costs its tensor arena plus, with XNNPACK, its own
// packed copy of the weights. A reload holds old and new side by side until the old model's last run ends.
//
//   node dist/examples/edge-service/memory.js [model.tflite ...]   (default: test/corpus/models/mediapipe/*.tflite)
//   node dist/examples/edge-service/memory.js --reloads 600        RSS over many reloads under load
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createPool } from 'tflite-runtime';
import { MODELS, ROOT } from '../lib/package-root';

const MiB = 1024 * 1024;

async function child(model: string, size: number, xnnpack: boolean) {
  const gc = global.gc as () => void;
  gc();
  const before = process.memoryUsage().rss;
  const pool = await createPool(model, { size, threads: 1, xnnpack, logLevel: 'error' });
  // One run per interpreter (zeros; `size` runs at once take one interpreter each), so what a first run allocates
  // is counted.
  const arrays = { float32: Float32Array, int32: Int32Array, int8: Int8Array, uint8: Uint8Array };
  const inputs = pool.model.inputs.map((t) => {
    const Type = arrays[t.dtype as keyof typeof arrays];
    if (!Type) throw new Error(`no zeros for a ${t.dtype} input here`);
    return new Type(t.shape.reduce((a, b) => a * Math.max(b, 1), 1));
  });
  await Promise.all(Array.from({ length: size }, () => pool.run(inputs)));
  gc();
  const after = process.memoryUsage().rss;
  process.stdout.write(JSON.stringify({ rss: after - before }));
  pool.dispose();
}

/** RSS growth in bytes, or the first line of why the model did not load. */
function measure(model: string, size: number, xnnpack: boolean): number | string {
  try {
    const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--child', model, String(size),
      String(xnnpack)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return (JSON.parse(out) as { rss: number }).rss;
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error).split('\n')[0];
  }
}

/**
 * `--reloads N`: a pool of 2 (face_detection_short_range) under 3 lanes of back-to-back runs, reloaded N times
 * (alternating two byte-different copies of the model); RSS every 100 reloads.
 */
async function reloads(count: number) {
  const file = path.join(MODELS, 'face_detection_short_range.tflite');
  const a = fs.readFileSync(file);
  const b = Buffer.concat([a, Buffer.alloc(64)]); // other bytes after the FlatBuffer: another sha256, the same model
  const pool = await createPool(a, { size: 2 });
  let retired = 0;
  pool.on('retired', () => retired++);
  const input = [new Float32Array(128 * 128 * 3)];
  let stop = false;
  let runs = 0;
  let failed = 0;
  const lane = async () => {
    while (!stop) {
      try {
        await pool.run(input);
        runs++;
      } catch {
        failed++;
      }
    }
  };
  const lanes = [lane(), lane(), lane()];
  const rss = () => Math.round(process.memoryUsage().rss / MiB);
  const samples = [rss()];
  for (let i = 1; i <= count; i++) {
    await pool.reload(i % 2 ? b : a);
    if (i % 100 === 0) samples.push(rss());
  }
  stop = true;
  await Promise.all(lanes);
  console.log(`${count} reloads under load: ${runs} runs, ${failed} failed, ${retired} old models retired; ` +
    `RSS MiB at 0, 100, 200, …: ${samples.join(', ')}`);
  pool.dispose();
}

if (process.argv[2] === '--reloads') {
  reloads(Number(process.argv[3] ?? 600)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), process.argv[5] === 'true').catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  const corpus = path.join(ROOT, 'test', 'corpus', 'models', 'mediapipe');
  const models = process.argv.length > 2 ? process.argv.slice(2)
    : fs.readdirSync(corpus).filter((n) => n.endsWith('.tflite')).sort().map((n) => path.join(corpus, n));
  console.log('| model | file | XNNPACK | pool of 1 | each further interpreter |');
  console.log('| --- | ---: | --- | ---: | ---: |');
  for (const model of models) {
    for (const xnnpack of [true, false]) {
      const one = measure(model, 1, xnnpack);
      const four = typeof one === 'number' ? measure(model, 4, xnnpack) : one;
      const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
      const cells = typeof one === 'number' && typeof four === 'number' ? `${mib(one)} | ${mib((four - one) / 3)}`
        : `does not load: ${typeof one === 'string' ? one : four} | `;
      console.log(`| ${path.basename(model)} | ${mib(fs.statSync(model).size)} | ${xnnpack ? 'on' : 'off'} | ${cells} |`);
    }
  }
}
