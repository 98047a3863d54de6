// examples/edge-service: results published over MQTT to a real broker (Debian's mosquitto, started here on a free
// loopback port) survive a broker outage and a killed service, delivered at least once and in order.
import { spawn } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { startBroker, mosquittoPath } from '../examples/edge-service/broker';
import { sharpLoads, until } from './helpers';

const ROOT = path.join(__dirname, '..');
// The service runs compiled, as users run it (dist/examples/, by `npm run build`); the tests of its parts in-process
// import the sources.
const SERVICE = path.join(ROOT, 'dist', 'examples', 'edge-service', 'service.js');

/** One line of the service's --json output (examples/edge-service/service.ts); the fields these tests read. */
interface ServiceEvent {
  event: string;
  connected?: boolean;
  seq: number;
  frame: string;
  stored: number;
  resumeAfter: string;
  message: string;
  [field: string]: unknown;
}
/** One result as the subscriber receives it. */
interface ResultMessage { seq: number; frame: string; faces: unknown[]; generation: number; model: string }

// The service decodes frames with sharp (as the other image examples do). CI installs mosquitto (.ci/run): there a
// missing broker fails the test instead of skipping it.
const runs = sharpLoads() && (mosquittoPath() !== null || process.env.CI);

/** `count` frames: the astronaut's portrait (one face) and the airplane (none), alternating, in name order. */
function frames(dir: string, count: number) {
  fs.mkdirSync(dir);
  const names: string[] = [];
  for (let i = 1; i <= count; i++) {
    const face = i % 2 === 1;
    const name = `frame-${String(i).padStart(4, '0')}-${face ? 'face.png' : 'plane.jpg'}`;
    fs.copyFileSync(path.join(ROOT, 'examples', 'assets', face ? 'astronaut.png' : 'airplane.jpg'), path.join(dir, name));
    names.push(name);
  }
  return names;
}

/** The service as a user runs it, with --json: its events as they come. */
function service(args: string[]) {
  const child = spawn(process.execPath, [SERVICE, '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: ServiceEvent[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line) events.push(JSON.parse(line));
  });
  child.stderr.on('data', (d) => { stderr += d; });
  // 'close': after the exit and after its output was all read.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.once('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, events, exited, results: () => events.filter((e) => e.event === 'result') };
}

/** A subscriber with a persistent session (clean: false): it gets what was queued for it while it was away. */
async function collector(url: string, topic: string) {
  const mqtt: typeof import('mqtt') = require('mqtt'); // loaded by the tests that talk to the broker only
  const client = mqtt.connect(url, { clientId: `collector-${process.pid}-${Date.now()}`, clean: false,
    reconnectPeriod: 200 });
  const arrivals: ResultMessage[] = [];
  client.on('message', (_topic, payload) => arrivals.push(JSON.parse(payload.toString())));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(topic, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
    client.once('error', reject);
  });
  const unique = () => new Set(arrivals.map((m) => m.seq)).size;
  return { client, arrivals, unique };
}

/** What a consumer that drops duplicates by seq sees, and whether first arrivals came in order. */
function delivery(arrivals: ResultMessage[]) {
  const first = new Map<number, ResultMessage>();
  for (const message of arrivals) if (!first.has(message.seq)) first.set(message.seq, message);
  const order = [...first.keys()];
  return {
    messages: [...first.values()],
    duplicates: arrivals.length - first.size,
    inOrder: order.every((seq, i) => i === 0 || seq > order[i - 1]!),
  };
}

describe('examples/edge-service/outbox.ts', () => {
  const { Outbox }: typeof import('../examples/edge-service/outbox') = require('../examples/edge-service/outbox');

  test('survives reopening: unacknowledged records come back in order, seqs go on, a torn last line is dropped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-outbox-'));
    let outbox = await Outbox.open(dir, { segmentRecords: 3 });
    const records = await Promise.all(Array.from({ length: 8 }, (_, i) => outbox.append('t', (seq) => `r${seq}-${i}`)));
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const seq of [1, 2, 4, 3, 6]) outbox.ack(seq); // 6 out of order: the watermark stops at 4
    expect(outbox.stored).toBe(3);
    await outbox.close();
    expect(fs.readFileSync(path.join(dir, 'acked'), 'utf8')).toBe('4');
    // Segments of 3: seg 1 (1-3) wholly acknowledged is gone; seg 4 (4-6) and seg 7 (7-8) stay.
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('seg-'))).toEqual(['seg-000000000004.jsonl',
      'seg-000000000007.jsonl']);
    // A power cut in the middle of a write: the last line is incomplete.
    const last = path.join(dir, 'seg-000000000007.jsonl');
    const whole = fs.statSync(last).size;
    fs.appendFileSync(last, '{"seq":9,"topic":"t","payl');

    outbox = await Outbox.open(dir, { segmentRecords: 3 });
    expect(fs.statSync(last).size).toBe(whole);
    // 6 was acknowledged above the watermark, which was not saved: at least once, so it comes again.
    const pending: number[] = [];
    for (let r = outbox.next(0); r; r = outbox.next(r.seq)) pending.push(r.seq);
    expect(pending).toEqual([5, 6, 7, 8]);
    expect(outbox.last!.payload).toBe('r8-7');
    expect((await outbox.append('t', (seq) => `r${seq}`)).seq).toBe(9);
    await outbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('examples/edge-service/frames.ts camera source', () => {
  test('raw RGB frames are cut from the ffmpeg stream whatever its chunking (a stand-in ffmpeg here)', async () => {
    const { cameraFrames }: typeof import('../examples/edge-service/frames') = require('../examples/edge-service/frames');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-camera-'));
    const fake = path.join(dir, 'ffmpeg');
    // Three 4x2 frames (24 bytes each: frame k is all k), written in 7-byte pieces; its arguments saved beside it.
    fs.writeFileSync(fake, `#!${process.execPath}\n` +
      "const b = Buffer.concat([1, 2, 3].map((k) => Buffer.alloc(24, k)));\n" +
      "require('fs').writeFileSync(__filename + '.args', JSON.stringify(process.argv.slice(2)));\n" +
      'for (let i = 0; i < b.length; i += 7) process.stdout.write(b.subarray(i, i + 7));\n');
    fs.chmodSync(fake, 0o755);
    const got: import('../examples/edge-service/frames').Frame[] = [];
    for await (const frame of cameraFrames('/dev/video9', { width: 4, height: 2, fps: 5, ffmpeg: fake })) got.push(frame);
    expect(got.map((f) => [...new Set<string | number>(f.image)])).toEqual([[1], [2], [3]]);
    expect(got.every((f) => f.image.length === 24 && f.raw?.width === 4 && f.raw?.height === 2)).toBe(true);
    const args = JSON.parse(fs.readFileSync(`${fake}.args`, 'utf8'));
    expect(args).toEqual(expect.arrayContaining(['-f', 'v4l2', '-i', '/dev/video9', '-video_size', '4x2', '-pix_fmt',
      'rgb24']));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

(runs ? describe : describe.skip)('examples/edge-service with mosquitto', () => {
  let tmp: string;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  const cleanup: (() => unknown)[] = [];
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-service-'));
    broker = await startBroker();
  });
  afterAll(async () => {
    for (const fn of cleanup) await fn();
    await broker?.stop();
    if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('broker stopped mid-stream: inference goes on, every result arrives once the broker is back', async () => {
    const names = frames(path.join(tmp, 'outage-frames'), 60);
    const topic = 'test/outage';
    const sub = await collector(broker.url, `${topic}/results`);
    cleanup.push(() => sub.client.endAsync());
    const svc = service(['--frames', path.join(tmp, 'outage-frames'), '--fps', '30', '--once', '--broker', broker.url,
      '--topic', topic, '--state', path.join(tmp, 'outage-state'), '--client-id', 'edge-outage']);
    cleanup.push(() => svc.child.kill('SIGKILL'));

    await until(() => sub.unique() >= 10, 'the first results');
    await broker.stop();
    const before = svc.results().length;
    await until(() => svc.results().filter((e) => !e.connected).length >= 20, 'results made while the broker is down');
    const offline = svc.results().filter((e) => !e.connected).length;
    await broker.start();
    const { code, stderr } = await svc.exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    await until(() => sub.unique() >= names.length, 'every result at the subscriber');

    const { messages, duplicates, inOrder } = delivery(sub.arrivals);
    expect(messages.map((m) => m.seq)).toEqual(names.map((_, i) => i + 1));
    expect(messages.map((m) => m.frame)).toEqual(names);
    expect(inOrder).toBe(true);
    // QoS 1: only what was in flight when the link went can come twice (the publisher's window is 32).
    expect(duplicates).toBeLessThanOrEqual(64);
    // Real inference: the portrait has one face, the airplane none.
    for (const m of messages) expect(m.faces.length).toBe(m.frame.endsWith('face.png') ? 1 : 0);
    const done = svc.events.find((e) => e.event === 'done');
    expect(done).toMatchObject({ results: 60, delivered: 60, stored: 0 });
    expect(svc.events.some((e) => e.event === 'offline')).toBe(true);
    console.log(`broker outage: ${before} results before the stop, ${offline} made while it was down, ` +
      `60/60 delivered, ${duplicates} duplicates at the subscriber`);
  }, 60000);

  test('service killed mid-stream while the broker is down: what it stored is delivered after a restart', async () => {
    const dir = path.join(tmp, 'kill-frames');
    const names = frames(dir, 40);
    const topic = 'test/kill';
    const state = path.join(tmp, 'kill-state');
    const args = ['--frames', dir, '--fps', '30', '--once', '--broker', broker.url, '--topic', topic,
      '--state', state, '--client-id', 'edge-kill'];
    const sub = await collector(broker.url, `${topic}/results`);
    cleanup.push(() => sub.client.endAsync());

    const first = service(args);
    cleanup.push(() => first.child.kill('SIGKILL'));
    await until(() => sub.unique() >= 5, 'the first results');
    await broker.stop();
    await until(() => first.results().filter((e) => !e.connected).length >= 8, 'results stored while offline');
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    const storedBeforeKill = first.results().map((e) => e.seq); // each reported after its fdatasync
    const undelivered = first.results().filter((e) => !e.connected).length;

    await broker.start();
    const second = service(args);
    cleanup.push(() => second.child.kill('SIGKILL'));
    const { code, stderr } = await second.exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const start = second.events.find((e) => e.event === 'start')!;
    expect(start.stored).toBeGreaterThanOrEqual(undelivered); // the outbox survived the kill
    // It resumes after the last frame it stored: the last one it reported, or one stored in the instant between the
    // fdatasync and the report when the kill came.
    expect(start.resumeAfter >= first.results().at(-1)!.frame).toBe(true);
    await until(() => sub.unique() >= names.length, 'every result at the subscriber');

    const { messages, duplicates, inOrder } = delivery(sub.arrivals);
    expect(inOrder).toBe(true);
    const seqs = messages.map((m) => m.seq);
    for (const seq of storedBeforeKill) expect(seqs).toContain(seq);
    // Every frame exactly once among the distinct results: stored ones are not redone, the rest are done after.
    expect(messages.map((m) => m.frame)).toEqual(names);
    expect(seqs).toEqual(names.map((_, i) => i + 1));
    expect(duplicates).toBeLessThanOrEqual(64);
    console.log(`service killed: ${storedBeforeKill.length} results stored before SIGKILL (${undelivered} made ` +
      `offline), restart resumed after ${start.resumeAfter} with ${start.stored} stored; 40/40 delivered, ` +
      `${duplicates} duplicates`);
  }, 60000);

  test('--watch: a model renamed over the served one switches the results; an incompatible one is refused', async () => {
    const dir = path.join(tmp, 'watch-frames');
    const names = frames(dir, 45);
    const model = path.join(tmp, 'watched.tflite');
    const served = fs.readFileSync(path.join(ROOT, 'examples', 'models', 'face_detection_short_range.tflite'));
    fs.writeFileSync(model, served);
    // The same network with other bytes (64 bytes after the FlatBuffer): another sha256, the same inputs and outputs.
    const update = Buffer.concat([served, Buffer.alloc(64)]);
    const sub = await collector(broker.url, 'test/watch/results');
    cleanup.push(() => sub.client.endAsync());
    const svc = service(['--frames', dir, '--fps', '30', '--once', '--watch', '--model', model, '--broker',
      broker.url, '--topic', 'test/watch', '--state', path.join(tmp, 'watch-state'), '--client-id', 'edge-watch']);
    cleanup.push(() => svc.child.kill('SIGKILL'));

    await until(() => svc.results().length >= 10, 'the first results');
    fs.writeFileSync(`${model}.tmp`, update);
    fs.renameSync(`${model}.tmp`, model); // as deploy tools write
    await until(() => svc.events.some((e) => e.event === 'reload'), 'the reload');
    // Another network (input `input_1` 192x192, outputs `Identity*`): refused, the update keeps serving.
    fs.copyFileSync(path.join(ROOT, 'test', 'corpus', 'models', 'mediapipe', 'face_detection_full_range_sparse.tflite'),
      `${model}.tmp`);
    fs.renameSync(`${model}.tmp`, model);
    await until(() => svc.events.some((e) => e.event === 'reloadFailed'), 'the refusal');
    const { code } = await svc.exited;
    expect(code).toBe(0);
    await until(() => sub.unique() >= names.length, 'every result at the subscriber');

    const refusal = svc.events.find((e) => e.event === 'reloadFailed')!;
    expect(refusal).toMatchObject({ stage: 'compatibility', code: 'ERR_TFLITE_NOT_FOUND' });
    expect(refusal.message).toContain("inputs are [input_1], the serving model's [input]");
    const { messages } = delivery(sub.arrivals);
    expect(messages.map((m) => m.frame)).toEqual(names);
    const generations = messages.map((m) => m.generation);
    const switchAt = generations.indexOf(2);
    expect(switchAt).toBeGreaterThanOrEqual(10);
    expect(generations.slice(0, switchAt).every((g) => g === 1)).toBe(true);
    expect(generations.slice(switchAt).every((g) => g === 2)).toBe(true);
    const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex').slice(0, 12);
    expect(messages[0].model).toBe(sha(served));
    expect(messages.at(-1)!.model).toBe(sha(update));
    // The same network: the same faces before and after the switch.
    for (const m of messages) expect(m.faces.length).toBe(m.frame.endsWith('face.png') ? 1 : 0);
  }, 60000);
});
