// The examples run as users run them (child processes), and their results are checked against the library's own.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { Interpreter } = require('..');
const { fixture, expected, sharpLoads } = require('./helpers');

// sharp decodes the images; it does not load on Node < 20.9 (see helpers.sharpLoads).
const sharp = sharpLoads() ? require('sharp') : null;

const EXAMPLES = path.join(__dirname, '..', 'examples');
const IMAGE = path.join(EXAMPLES, 'assets', 'airplane.jpg');
const CIFAR = fs.readFileSync(path.join(EXAMPLES, 'assets', 'cifar10-labels.txt'), 'utf8').trim().split('\n');

/** The top 5 of a direct run of convnet.tflite on `input` (float32 [1,32,32,3]). */
function directTop5(input, model = fixture('convnet.tflite')) {
  const it = new Interpreter(model);
  try {
    it.allocateTensors();
    const scores = it.run([input]).Identity;
    return Array.from(scores, (score, index) => ({ index, score })).sort((a, b) => b.score - a.score).slice(0, 5);
  } finally {
    it.dispose();
  }
}

(sharpLoads() ? describe : describe.skip)('examples/classify-image.js', () => {
  // Required here, not at describe time: jest runs a skipped describe's body too, and the example loads sharp.
  let classify;
  beforeAll(() => {
    ({ classify } = require('../examples/classify-image'));
  });

  test('runs as a script: top 5 with CIFAR-10 labels, in the order of a direct run', async () => {
    const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'classify-image.js')], { encoding: 'utf8', timeout: 30000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^airplane\.jpg → 32x32, normalised \(x - 0\) \/ 255; decode\+resize [\d.]+ ms, invoke [\d.]+ ms$/);
    // The same pipeline written out here: sharp's cover resize, then [0, 1].
    const pixels = await sharp(IMAGE).resize(32, 32, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    const want = directTop5(Float32Array.from(pixels, (p) => p / 255));
    const printed = lines.slice(2).map((line) => /^ {2}\d\. (\S+) +([\d.]+)% {2}\(class (\d)\)$/.exec(line));
    expect(printed.map((m) => m && [m[1], Number(m[3]), m[2]])).toEqual(
      want.map((w) => [CIFAR[w.index], w.index, (w.score * 100).toFixed(2)]));
  });

  test('normalisation is exact: a solid red image becomes [1, 0, 0] in every pixel', async () => {
    const red = path.join(os.tmpdir(), `red-${process.pid}.png`);
    await sharp({ create: { width: 50, height: 40, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 1 } } }).png().toFile(red);
    try {
      const result = await classify(red);
      const input = new Float32Array(32 * 32 * 3).map((_, i) => (i % 3 === 0 ? 1 : 0));
      expect(result.top.map((t) => [t.index, t.label, t.score])).toEqual(
        directTop5(input).map((w) => [w.index, CIFAR[w.index], w.score]));
    } finally {
      fs.rmSync(red, { force: true });
    }
  });

  test('a model with TFLite metadata brings its own labels and normalisation', async () => {
    const result = await classify(IMAGE, { model: fixture('convnet_metadata.tflite'), labels: null, top: 3 });
    expect(result.labelsFrom).toBe('model metadata');
    expect(result.normalization).toEqual({ mean: [127.5], std: [127.5] });
    expect(result.top).toHaveLength(3);
    // The CLI's image input does the same steps: the same scores.
    const cli = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'tflite-runtime.js'), 'run',
      fixture('convnet_metadata.tflite'), '-i', IMAGE, '-k', '3', '--json'], { encoding: 'utf8' });
    expect(JSON.parse(cli.stdout).outputs.Identity.top).toEqual(result.top);
  });
});

// ---- the HTTP server and its load script ------------------------------------------------------------------------

function request(url, method = 'GET', body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

describe('examples/server.js and examples/load.js', () => {
  let server;
  let url;

  beforeAll(async () => {
    server = spawn(process.execPath, [path.join(EXAMPLES, 'server.js'), '--port', '0', '--pool', '2',
      '--model', fixture('convnet.tflite')], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (match) resolve(match[1]);
      });
      server.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    });
  });

  afterAll(async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      expect(await exited).toBe(0); // closes the server and the pool, then exits 0
    }
  });

  test('GET /model describes the model', async () => {
    const r = await request(`${url}/model`);
    expect(r.json).toEqual({
      inputs: [{ name: 'input', dtype: 'float32', shape: [1, 32, 32, 3] }],
      outputs: [{ name: 'Identity', dtype: 'float32', shape: [1, 10] }],
    });
  });

  test('POST /predict: the same outputs as a synchronous run, also for concurrent requests', async () => {
    const base = expected['convnet.tflite'].inputs[0].value;
    const inputs = Array.from({ length: 12 }, (_, k) => base.map((v) => Math.fround(v * (1 + k / 10))));
    const it = new Interpreter(fixture('convnet.tflite'), { threads: 1 });
    it.allocateTensors();
    const want = inputs.map((input) => Array.from(it.run([Float32Array.from(input)]).Identity));
    it.dispose();
    const got = await Promise.all(inputs.map((input, k) => request(`${url}/predict`, 'POST',
      k % 2 ? { inputs: { input } } : { inputs: [input] })));
    expect(got.map((r) => r.status)).toEqual(inputs.map(() => 200));
    expect(got.map((r) => r.json.outputs.Identity)).toEqual(want);
    const tolerance = expected['convnet.tflite'].tolerance;
    got[0].json.outputs.Identity.forEach((v, i) => {
      expect(Math.abs(v - expected['convnet.tflite'].outputs[0].value[i])).toBeLessThanOrEqual(tolerance);
    });
  });

  test('bad requests get 4xx with the reason', async () => {
    const size = await request(`${url}/predict`, 'POST', { inputs: { input: [1, 2] } });
    expect(size).toEqual({ status: 400, json: { error: "tensor 'input' has shape [1,32,32,3] (3072 values), got 2", code: 'ERR_TFLITE_SIZE' } });
    const name = await request(`${url}/predict`, 'POST', { inputs: { image: [1] } });
    expect(name.json.code).toBe('ERR_TFLITE_NOT_FOUND');
    expect((await request(`${url}/predict`, 'POST', 'not json')).status).toBe(400);
    expect((await request(`${url}/predict`, 'POST', { nothing: 1 })).status).toBe(400);
    expect((await request(`${url}/nowhere`)).status).toBe(404);
  });

  test('load.js: every request succeeds and /health answers while every interpreter is busy', () => {
    const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'load.js'), '--url', url, '--requests', '300',
      '--concurrency', '8', '--json'], { encoding: 'utf8', timeout: 50000 });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(300);
    expect(report.failures).toEqual([]);
    expect(report.healthChecks).toBeGreaterThan(0);
    // Answered while both interpreters were running and requests were queued: the event loop was free.
    expect(report.busyHealthChecks).toBeGreaterThan(0);
    expect(report.predictMs.count).toBe(300);
    expect(report.serverEventLoopDelayMs.p50).toBeGreaterThanOrEqual(0);
  });
});
