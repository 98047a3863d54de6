// The examples run as users run them (child processes), and their results are checked against the library's own.
import { spawn, spawnSync, type ChildProcessByStdio } from 'child_process';
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import type { Readable } from 'stream';
import { Interpreter, type RunOutputs } from '..';
import { fixture, expected, sharpLoads } from './helpers';

// sharp decodes the images; it does not load on Node < 20.9 (see helpers.sharpLoads).
// Typed as if loaded: every use is in a describe that runs only when it did.
const sharp: typeof import('sharp').default = sharpLoads() ? require('sharp') : null;

// The examples run compiled, as users run them (examples/*.ts -> dist/examples/*.js, by `npm run build`); their
// photos and labels are in examples/assets/.
const EXAMPLES = path.join(__dirname, '..', 'dist', 'examples');
const ASSETS = path.join(__dirname, '..', 'examples', 'assets');
const IMAGE = path.join(ASSETS, 'airplane.jpg');
const CIFAR = fs.readFileSync(path.join(ASSETS, 'cifar10-labels.txt'), 'utf8').trim().split('\n');

/** The float32 output Identity of convnet.tflite: run() types each output as any dtype's array. */
const float32 = (outputs: RunOutputs) => outputs.Identity as Float32Array;

/** The top 5 of a direct run of convnet.tflite on `input` (float32 [1,32,32,3]). */
function directTop5(input: Float32Array, model = fixture('convnet.tflite')) {
  const it = new Interpreter(model);
  try {
    it.allocateTensors();
    const scores = float32(it.run([input]));
    return Array.from(scores, (score, index) => ({ index, score })).sort((a, b) => b.score - a.score).slice(0, 5);
  } finally {
    it.dispose();
  }
}

(sharpLoads() ? describe : describe.skip)('examples/classify-image.ts', () => {
  // Required here, not at describe time: jest runs a skipped describe's body too, and the example loads sharp.
  let classify: typeof import('../examples/classify-image').classify;
  beforeAll(() => {
    ({ classify } = require('../examples/classify-image'));
  });

  test('runs as a script: top 5 with CIFAR-10 labels, in the order of a direct run', async () => {
    const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'classify-image.js')], { encoding: 'utf8', timeout: 30000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^airplane\.jpg → 32x32, normalised \(x - 0\) \/ 255; decode\+resize [\d.]+ ms, invoke [\d.]+ ms$/);
    expect(lines[1]).toMatch(/^top 5 \(labels: .*cifar10-labels\.txt\) from convnet\.tflite, a test model with RANDOM weights: these scores mean nothing:$/);
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

// ---- the quick start: BlazeFace on the astronaut photograph -----------------------------------------------------

// Where the face is in examples/assets/astronaut.png (512x512), read off the picture by eye: BlazeFace's box runs
// from the eyebrows to the chin, about x 178..272, y 80..175; the eyes are near (204, 102) and (247, 107).
const FACE = { cx: 225, cy: 128, size: 95, rightEye: { x: 204, y: 102 }, leftEye: { x: 247, y: 107 } };

/** RGB of pixel (x, y) of an image file. */
async function pixelAt(file: string, x: number, y: number) {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const at = (Math.round(y) * info.width + Math.round(x)) * info.channels;
  return { rgb: Array.from(data.subarray(at, at + 3)), width: info.width, height: info.height };
}

(sharpLoads() ? describe : describe.skip)('examples/quickstart.ts', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quickstart-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('finds the one face in the astronaut photograph, where it is, and draws it', async () => {
    const out = path.join(tmp, 'faces.png');
    const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'quickstart.js'), '--json', '--out', out],
      { encoding: 'utf8', timeout: 30000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { faces, width, height } = JSON.parse(r.stdout);
    expect([width, height]).toEqual([512, 512]);
    expect(faces).toHaveLength(1);
    const [{ score, box, keypoints }] = faces;
    expect(score).toBeGreaterThan(0.8);
    expect(Math.abs(box.x + box.width / 2 - FACE.cx)).toBeLessThan(12);
    expect(Math.abs(box.y + box.height / 2 - FACE.cy)).toBeLessThan(12);
    expect(Math.abs(box.width - FACE.size)).toBeLessThan(15);
    expect(Math.abs(box.height - FACE.size)).toBeLessThan(15);
    expect(Math.hypot(keypoints[0].x - FACE.rightEye.x, keypoints[0].y - FACE.rightEye.y)).toBeLessThan(8);
    expect(Math.hypot(keypoints[1].x - FACE.leftEye.x, keypoints[1].y - FACE.leftEye.y)).toBeLessThan(8);
    // The annotated image: the photo's size, the box's cyan (#00e5ff) on its top edge, a photo pixel elsewhere.
    const edge = await pixelAt(out, box.x + box.width / 2, box.y);
    expect(edge).toEqual({ rgb: [0, 229, 255], width: 512, height: 512 });
    const original = await pixelAt(path.join(ASSETS, 'astronaut.png'), 400, 400);
    expect((await pixelAt(out, 400, 400)).rgb).toEqual(original.rgb);
  });

  test('prints the detections as prose by default', () => {
    const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'quickstart.js'), '--out', path.join(tmp, 'prose.png')],
      { encoding: 'utf8', timeout: 30000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^1 face\(s\) with score >= 0\.5 /m);
    expect(r.stdout).toMatch(/^ {2}face 1: score 0\.9\d\d, box x=1[78]\d\.\d y=[78]\d\.\d w=9\d\.\d h=9\d\.\d px$/m);
    expect(r.stdout).toContain(`wrote ${path.join(tmp, 'prose.png')}`);
    expect(fs.statSync(path.join(tmp, 'prose.png')).size).toBeGreaterThan(100000);
  });

  test('weighted NMS merges overlapping boxes by score and keeps apart the ones that do not overlap', () => {
    // Required here: blazeface loads sharp, which a skipped describe must not.
    const { nonMaxSuppression }: typeof import('../examples/lib/blazeface') = require('../examples/lib/blazeface');
    const d = (score: number, x: number, kx: number) => ({ score, box: { x, y: 0, width: 1, height: 1 }, keypoints: [{ x: kx, y: 0 }] });
    const kept = nonMaxSuppression([d(0.6, 0.1, 1), d(0.9, 0, 0), d(0.7, 5, 2)]);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7]);
    expect(kept[0].box.x).toBeCloseTo((0.9 * 0 + 0.6 * 0.1) / 1.5, 12);
    expect(kept[0].keypoints[0].x).toBeCloseTo(0.6 / 1.5, 12);
    expect(kept[1].box.x).toBe(5);
  });
});

// ---- selfie segmentation, pose landmarks, the camera loop -----------------------------------------------------

(sharpLoads() ? describe : describe.skip)('examples/selfie-segmentation.ts', () => {
  test('the mask covers the astronaut (face, suit, the helmet she holds) and not the flag, the shuttle or the wall', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selfie-'));
    try {
      const mask = path.join(tmp, 'mask.png');
      const out = path.join(tmp, 'cutout.png');
      const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'selfie-segmentation.js'), '--json', '--mask', mask, '--out', out],
        { encoding: 'utf8', timeout: 30000 });
      expect(r.stderr).toBe('');
      const summary = JSON.parse(r.stdout);
      expect(summary).toMatchObject({ width: 512, height: 512 });
      // Points read off the photograph by eye (512x512).
      type Point = [number, number];
      const person: Record<string, Point> = { face: [225, 128], suit: [200, 380], helmet: [390, 420], collar: [210, 230] };
      const background: Record<string, Point> = { flag: [30, 100], shuttle: [400, 150], wallAboveHead: [100, 25], topRight: [490, 20] };
      const { data, info } = await sharp(mask).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([512, 512]);
      const at = ([x, y]: Point) => data[(y * info.width + x) * info.channels];
      for (const [name, p] of Object.entries(person)) expect({ name, person: at(p) >= 200 }).toEqual({ name, person: true });
      for (const [name, p] of Object.entries(background)) expect({ name, person: at(p) >= 56 }).toEqual({ name, person: false });
      expect(summary.person).toBeGreaterThan(0.4);
      expect(summary.person).toBeLessThan(0.7);
      // The cut-out keeps the photo where the mask is 255 and is flat grey where it is 0.
      const cut = await sharp(out).raw().toBuffer({ resolveWithObject: true });
      const photo = await sharp(path.join(ASSETS, 'astronaut.png')).raw().toBuffer();
      const px = (buffer: Buffer, channels: number, [x, y]: Point) => Array.from(buffer.subarray((y * 512 + x) * channels, (y * 512 + x) * channels + 3));
      expect(px(cut.data, cut.info.channels, person.face)).toEqual(px(photo, 3, person.face));
      expect(px(cut.data, cut.info.channels, background.topRight)).toEqual([90, 90, 90]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

(sharpLoads() ? describe : describe.skip)('examples/pose-landmarks.ts', () => {
  // Fetches @mediapipe/pose (pinned, sha256-checked) through npm into a cache on first use.
  test('detector then landmarks: the skeleton sits on the astronaut (face where BlazeFace puts it, shoulders on the suit)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pose-'));
    try {
      const out = path.join(tmp, 'pose.png');
      const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'pose-landmarks.js'), '--json', '--out', out],
        { encoding: 'utf8', timeout: 120000 });
      expect(r.status).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result.detection.score).toBeGreaterThan(0.5);
      expect(result.personScore).toBeGreaterThan(0.9);
      const p = Object.fromEntries(result.landmarks.map((l: { name: string }) => [l.name, l]));
      // The nose within 15 px of BlazeFace's nose tip (the quick start: 221.8, 125.0).
      expect(Math.hypot(p.nose.x - 222, p.nose.y - 125)).toBeLessThan(15);
      // The subject's right shoulder is on the image's left; both on the suit's shoulders, read off the photo by eye:
      // about (100, 215) and (290, 225).
      expect(Math.hypot(p['right shoulder'].x - 100, p['right shoulder'].y - 215)).toBeLessThan(30);
      expect(Math.hypot(p['left shoulder'].x - 290, p['left shoulder'].y - 225)).toBeLessThan(30);
      for (const name of ['nose', 'left eye', 'right eye', 'left shoulder', 'right shoulder']) {
        expect({ name, visible: p[name].visibility > 0.9 }).toEqual({ name, visible: true });
      }
      expect(p['left eye'].x).toBeGreaterThan(p['right eye'].x);
      expect(fs.statSync(out).size).toBeGreaterThan(100000);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

(sharpLoads() ? describe : describe.skip)('examples/frames.ts', () => {
  test('a camera loop on a pool: every frame processed or dropped, the face followed, the event loop free', () => {
    const frames = 60;
    const r = spawnSync(process.execPath, [path.join(EXAMPLES, 'frames.js'), '--frames', String(frames), '--fps', '250', '--json'],
      { encoding: 'utf8', timeout: 60000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.processed + report.dropped).toBe(frames);
    expect(report.processed).toBeGreaterThanOrEqual(frames / 3);
    // The simulated camera pans a 384x384 window across the photo: the face moves left in the frame by the window's
    // offset, and stays where it is in the photo (centre 225, 128, as the quick start finds it).
    for (const { frame, faces, offset } of report.results) {
      expect({ frame, faces: faces.length }).toEqual({ frame, faces: 1 });
      const [{ box }] = faces;
      const inPhoto = { x: box.x + box.width / 2 + offset.x, y: box.y + box.height / 2 + offset.y };
      expect({ frame, near: Math.hypot(inPhoto.x - 225, inPhoto.y - 128) < 12 }).toEqual({ frame, near: true });
    }
    // A 1 ms timer kept running while models ran on the pool.
    expect(report.ticksWhileRunning).toBeGreaterThan(0);
    expect(report.eventLoopDelayMs.p50).toBeLessThan(20);
  });
});

// ---- the HTTP server and its load script ------------------------------------------------------------------------

/** A response of examples/server.ts: its status and JSON body. */
interface Response { status: number | undefined; json: any }

function request(url: string, method = 'GET', body?: unknown): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

describe('examples/server.ts and examples/load.ts', () => {
  let server: ChildProcessByStdio<null, Readable, Readable>;
  let url: string;

  beforeAll(async () => {
    server = spawn(process.execPath, [path.join(EXAMPLES, 'server.js'), '--port', '0', '--pool', '2',
      '--model', fixture('convnet.tflite')], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (match) resolve(match[1]!);
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
    const want = inputs.map((input) => Array.from(float32(it.run([Float32Array.from(input)]))));
    it.dispose();
    const got = await Promise.all(inputs.map((input, k) => request(`${url}/predict`, 'POST',
      k % 2 ? { inputs: { input } } : { inputs: [input] })));
    expect(got.map((r) => r.status)).toEqual(inputs.map(() => 200));
    expect(got.map((r) => r.json.outputs.Identity)).toEqual(want);
    const tolerance = expected['convnet.tflite'].tolerance;
    got[0]!.json.outputs.Identity.forEach((v: number, i: number) => {
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
