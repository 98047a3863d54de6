#!/usr/bin/env node
// An edge inference service: frames from a folder or a camera → a pool of interpreters (face detection, BlazeFace
// short-range) → results published over MQTT with QoS 1 from a persistent outbox, so results produced while the
// broker is unreachable, or before this process was killed, are delivered when it is back, in order.
//
//   node dist/examples/edge-service/service.js --frames examples/assets --broker mqtt://127.0.0.1:1883
//
//   --frames DIR        images (.jpg .png .webp) in name order     --camera DEV   a V4L2 camera through ffmpeg
//   --fps N             frames a second (default 10)               --size WxH     camera frame size (640x480)
//   --loop              go round the folder forever                --once         exit when every frame is delivered
//   --model PATH        default examples/models/face_detection_short_range.tflite
//   --watch             reload the model when its file is replaced (write elsewhere, rename over it)
//   --pool N            interpreters (default 2)                   --threads N    CPU threads each (default 1)
//   --broker URL        default mqtt://127.0.0.1:1883              --topic T      default edge/<hostname>
//                       results go to T/results (QoS 1), the service's status to T/status (retained, with a will)
//   --state DIR         the outbox (default ./edge-state)          --json         one JSON object per line
//
// Each result: {"seq":12,"frame":"astronaut.png","faces":[{"score":0.95,"box":{x,y,width,height}}],
//               "model":"<sha256 prefix>","generation":1,"ms":3.1,"at":"<ISO time>"}; `seq` is the outbox's
// sequence number (unique, increasing across restarts): a consumer drops duplicates by it.
import * as os from 'os';
import * as path from 'path';
import { createPool, type InterpreterPool } from 'tflite-runtime';
import { decode, nonMaxSuppression, normalise, toImage, INPUT_SIZE } from '../lib/blazeface';
import { letterbox } from '../lib/image';
import { MODELS } from '../lib/package-root';
import { Outbox } from './outbox';
import { Publisher } from './publisher';
import { folderFrames, cameraFrames, type Frame } from './frames';

const DEFAULT_MODEL = path.join(MODELS, 'face_detection_short_range.tflite');

export function parseArgs(argv: string[]) {
  const args: Record<string, string | boolean> = {};
  const flags = new Set(['loop', 'once', 'watch', 'json', 'help']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const name = arg.slice(2);
    if (flags.has(name)) args[name] = true;
    else if (i + 1 < argv.length) args[name] = argv[++i];
    else throw new Error(`${arg} needs a value`);
  }
  const [width, height] = String(args.size ?? '640x480').split('x').map(Number);
  return {
    frames: args.frames as string | undefined,
    camera: args.camera as string | undefined,
    width, height,
    fps: Number(args.fps ?? 10),
    loop: args.loop === true,
    once: args.once === true,
    model: String(args.model ?? DEFAULT_MODEL),
    watch: args.watch === true,
    pool: Number(args.pool ?? 2),
    threads: Number(args.threads ?? 1),
    broker: String(args.broker ?? 'mqtt://127.0.0.1:1883'),
    topic: String(args.topic ?? `edge/${os.hostname()}`),
    state: path.resolve(String(args.state ?? 'edge-state')),
    clientId: String(args['client-id'] ?? `edge-${os.hostname()}`),
    json: args.json === true,
    help: args.help === true,
  };
}

/** Face detection on one frame with a pool run: letterbox to 128x128, [-1, 1], decode the SSD anchors, weighted NMS. */
export async function detect(pool: InterpreterPool, frame: Frame) {
  const { pixels, toImage: map } = await letterbox(frame.image, INPUT_SIZE, frame.raw ? { raw: frame.raw } : {});
  const input = new Float32Array(INPUT_SIZE * INPUT_SIZE * 3);
  normalise(pixels, input);
  const started = performance.now();
  const out = await pool.run([input]);
  const ms = performance.now() - started;
  const faces = nonMaxSuppression(decode(out.regressors as Float32Array, out.classificators as Float32Array))
    .map((d) => toImage(d, map));
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    faces: faces.map((f) => ({ score: Math.round(f.score * 1000) / 1000,
      box: { x: round(f.box.x), y: round(f.box.y), width: round(f.box.width), height: round(f.box.height) } })),
    ms: Math.round(ms * 100) / 100,
  };
}

/** Runs the service until the frames end (and, with `once`, until every result is delivered) or `signal` aborts. */
export async function runService(options: ReturnType<typeof parseArgs>, report: (event: Record<string, unknown>) => void,
  signal?: AbortSignal): Promise<void> {
  const outbox = await Outbox.open(options.state);
  const resumeAfter = options.camera ? null : (outbox.lastPayload()?.frame as string | undefined) ?? null;
  const pool = await createPool(options.model, { size: options.pool, threads: options.threads,
    watch: options.watch ? { warmup: true } : false });
  pool.on('reload', (e) => report({ event: 'reload', generation: e.current.generation,
    model: e.current.sha256.slice(0, 12), inFlight: e.inFlight, ms: Math.round(e.ms) }));
  pool.on('reloadFailed', (error) => report({ event: 'reloadFailed', stage: error.stage, code: error.code,
    message: error.message }));
  report({ event: 'start', model: path.basename(options.model), sha256: pool.model.sha256.slice(0, 12),
    pool: pool.size, stored: outbox.stored, lastSeq: outbox.lastSeq, resumeAfter,
    source: options.camera ?? options.frames, broker: options.broker, state: options.state });

  const publisher = new Publisher(outbox, options.broker, { clientId: options.clientId,
    statusTopic: `${options.topic}/status` });
  publisher.on('connect', (e) => report({ event: 'connect', ...e }));
  publisher.on('offline', (e) => report({ event: 'offline', ...e }));
  publisher.on('delivered', (e) => report({ event: 'delivered', ...e }));

  const topic = `${options.topic}/results`;
  const frames = options.camera
    ? cameraFrames(options.camera, { width: options.width, height: options.height, fps: options.fps })
    : folderFrames(options.frames as string, { fps: options.fps, after: resumeAfter, loop: options.loop });

  // Up to pool.size frames in flight; results are stored in frame order.
  let stored: Promise<unknown> = Promise.resolve();
  const inFlight = new Set<Promise<unknown>>();
  let count = 0;
  for await (const frame of frames) {
    if (signal?.aborted) break;
    const result = detect(pool, frame);
    result.catch(() => {}); // reported in order below
    stored = stored.then(async () => {
      let body;
      try {
        body = await result;
      } catch (error) {
        report({ event: 'frameFailed', frame: frame.id, message: (error as Error).message });
        return;
      }
      const at = new Date().toISOString();
      const model = pool.model;
      const record = await outbox.append(topic, (seq) => JSON.stringify({ seq, frame: frame.id, ...body,
        model: model.sha256.slice(0, 12), generation: model.generation, at }));
      count++;
      report({ event: 'result', seq: record.seq, frame: frame.id, faces: body.faces.length,
        score: body.faces[0]?.score ?? null, ms: body.ms, stored: outbox.stored, connected: publisher.connected });
      publisher.pump();
    });
    const running: Promise<unknown> = result.catch(() => {}).finally(() => inFlight.delete(running));
    inFlight.add(running);
    if (inFlight.size >= pool.size) await Promise.race(inFlight);
  }
  await stored;
  report({ event: 'framesDone', results: count, stored: outbox.stored });
  if (options.once && !signal?.aborted) await publisher.drained();
  await publisher.close();
  pool.dispose();
  await outbox.close();
  report({ event: 'done', results: count, delivered: publisher.delivered, stored: outbox.stored });
}

/** Human-readable lines for the events (what `node service.js` prints without --json). */
function describe(e: Record<string, any>): string | null {
  switch (e.event) {
    case 'start': return `edge-service: ${e.model} (sha256 ${e.sha256}…, ${e.pool} interpreters), frames from ` +
      `${e.source}, broker ${e.broker}, outbox ${e.state} (${e.stored} stored${e.resumeAfter ? `, resuming after ${e.resumeAfter}` : ''})`;
    case 'connect': return `mqtt: connected${e.stored ? `, sending ${e.stored} stored results` : ''}`;
    case 'offline': return 'mqtt: broker unreachable: results are stored and sent when it is back';
    case 'result': return `#${e.seq} ${e.frame}: ${e.faces} face${e.faces === 1 ? '' : 's'}` +
      `${e.score !== null ? ` (best ${e.score})` : ''} in ${e.ms} ms${e.connected ? '' : ` (offline, ${e.stored} stored)`}`;
    case 'delivered': return null;
    case 'reload': return `model: switched to generation ${e.generation} (sha256 ${e.model}…) in ${e.ms} ms, ` +
      `${e.inFlight} runs finished on the old one`;
    case 'reloadFailed': return `model: new file refused at ${e.stage} (${e.code}), the old model keeps serving: ${e.message}`;
    case 'frameFailed': return `frame ${e.frame} failed: ${e.message}`;
    case 'framesDone': return `frames done: ${e.results} results, ${e.stored} still to deliver`;
    case 'done': return `done: ${e.results} results this run, ${e.delivered} delivered, ${e.stored} left stored`;
    default: return JSON.stringify(e);
  }
}

if (require.main === module) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
    if (options.help || (!options.frames && !options.camera)) {
      console.log('usage: node dist/examples/edge-service/service.js --frames DIR | --camera /dev/video0 [options] ' +
        '(see the top of this file)');
      process.exit(options.help ? 0 : 2);
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const report = options.json
    ? (e: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(e)}\n`)
    : (e: Record<string, unknown>) => { const line = describe(e); if (line) console.log(line); };
  // Ctrl-C / SIGTERM: stop taking frames, store what is in flight, close the link and the outbox.
  const controller = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM'] as const) process.once(name, () => controller.abort());
  runService(options, report, controller.signal).catch((error) => {
    console.error(`edge-service: ${error.stack ?? error}`);
    process.exit(1);
  });
}
