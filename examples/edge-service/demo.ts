#!/usr/bin/env node
// The edge service end to end, in one command: a private mosquitto on a free port, the service detecting faces in
// 24 frames (the astronaut's portrait and an airplane, alternating), a subscriber, and the broker stopped for 1.5 s
// mid-stream. Every result must arrive, in order; the exit code says whether they did.
//
//   node dist/examples/edge-service/demo.js            (needs Debian's mosquitto: apt-get install -y mosquitto)
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as mqtt from 'mqtt';
import { ASSETS } from '../lib/package-root';
import { startBroker } from './broker';

const FRAMES = 24;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One result as the subscriber receives it (examples/edge-service/service.ts). */
interface ResultMessage { seq: number; at: string; faces: unknown[] }

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-demo-'));
  const frames = path.join(tmp, 'frames');
  fs.mkdirSync(frames);
  for (let i = 1; i <= FRAMES; i++) {
    const face = i % 2 === 1;
    fs.copyFileSync(path.join(ASSETS, face ? 'astronaut.png' : 'airplane.jpg'),
      path.join(frames, `frame-${String(i).padStart(3, '0')}${face ? '.png' : '.jpg'}`));
  }
  const broker = await startBroker();
  console.log(`demo: mosquitto on ${broker.url}, ${FRAMES} frames in ${frames}`);

  // A subscriber with a persistent session: what the broker queues for it while it is away is not lost.
  const subscriber = mqtt.connect(broker.url, { clientId: `edge-demo-subscriber-${process.pid}`, clean: false,
    reconnectPeriod: 200 });
  const received = new Map<number, ResultMessage>();
  let arrivals = 0;
  let ordered = true;
  let lastSeq = 0;
  subscriber.on('message', (_topic, payload) => {
    const message = JSON.parse(payload.toString()) as ResultMessage;
    arrivals++;
    if (received.has(message.seq)) return; // a QoS 1 duplicate: dropped by seq
    if (message.seq < lastSeq) ordered = false;
    lastSeq = message.seq;
    received.set(message.seq, message);
  });
  await new Promise((resolve) => subscriber.once('connect', () =>
    subscriber.subscribe('edge/demo/results', { qos: 1 }, resolve)));

  const service = spawn(process.execPath, [path.join(__dirname, 'service.js'), '--frames', frames, '--fps', '8',
    '--once', '--broker', broker.url, '--topic', 'edge/demo', '--state', path.join(tmp, 'state'),
    '--client-id', 'edge-demo'], { stdio: ['ignore', 'inherit', 'inherit'] });
  let exitCode: number | null | undefined;
  const exited = new Promise((resolve) => service.once('exit', (code) => { exitCode = code; resolve(code); }));

  const started = Date.now();
  while (received.size < 6) {
    if (exitCode !== undefined || Date.now() - started > 30000) {
      console.error(`demo: FAILED: ${exitCode !== undefined ? `the service exited (${exitCode})` : 'no results in 30 s'}`);
      service.kill('SIGKILL');
      await broker.stop();
      process.exit(1);
    }
    await sleep(20);
  }
  const down = Date.now();
  await broker.stop();
  console.log('demo: broker stopped');
  await sleep(1500);
  await broker.start();
  const up = Date.now();
  console.log('demo: broker started again');

  const code = await Promise.race([exited, sleep(60000).then(() => 'timeout')]);
  if (code === 'timeout') service.kill('SIGKILL');
  const deadline = Date.now() + 10000;
  while (received.size < FRAMES && Date.now() < deadline) await sleep(20);
  await subscriber.endAsync();
  await broker.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(broker.dir, { recursive: true, force: true });

  const offline = [...received.values()].filter((m) => Date.parse(m.at) >= down && Date.parse(m.at) < up).length;
  const faces = [...received.values()].filter((m) => m.faces.length > 0).length;
  const ok = code === 0 && received.size === FRAMES && ordered;
  console.log(`demo: ${received.size}/${FRAMES} results received (${offline} made while the broker was down), ` +
    `${arrivals - received.size} QoS 1 duplicates dropped, in order: ${ordered ? 'yes' : 'NO'}; ` +
    `${faces} frames with a face`);
  if (!ok) {
    console.error(`demo: FAILED (service exit ${code})`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(`demo: ${error.stack ?? error}`);
  process.exit(1);
});
