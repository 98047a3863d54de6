#!/usr/bin/env node
// A camera loop: frames arrive at a fixed rate, each is detected on a pool of interpreters (createPool, runs on the
// libuv thread pool), frames that arrive while every interpreter is busy are dropped (a live camera has no use
// for stale frames), and the event loop stays free the whole time: a 1 ms timer keeps ticking while models run.
//
//   node dist/examples/frames.js                          # a simulated camera: a window panning across the photo
//   node dist/examples/frames.js --video /dev/video0          # a webcam, or a video file (needs ffmpeg on PATH)
//   options: --frames 60 --fps 30 --pool 2 --save dir/ (annotated frames as PNG) --json
//
// Face detection is BlazeFace short range (examples/lib/blazeface.ts). With --video, ffmpeg decodes to raw RGB at
// 640x480 (--size WxH) and the loop stops after --frames.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import type Sharp from 'sharp';
import { createPool } from 'tflite-runtime';
// The helpers that load sharp (blazeface, draw, image) are required where they are used: a missing sharp is then
// the message runMain gives.
import type * as BlazeFace from './lib/blazeface';
import type * as Draw from './lib/draw';
import type * as Image from './lib/image';
import { runMain } from './lib/main';
import { ASSETS, MODELS } from './lib/package-root';

const MODEL = path.join(MODELS, 'face_detection_short_range.tflite');
const PHOTO = path.join(ASSETS, 'astronaut.png');

/** Raw RGB; `offset` is where the simulated camera's window is in the photo. */
interface Frame { index: number; pixels: Buffer; width: number; height: number; offset?: { x: number; y: number } }

/**
 * A simulated camera: a 384x384 window panning left to right across the 512x512 photo, one frame per 1/fps s.
 * Resolves when the last frame has been delivered.
 */
async function simulatedCamera(options: { frames: number; fps: number }, onFrame: (frame: Frame) => void): Promise<void> {
  const sharp: typeof Sharp = require('sharp');
  const size = 384;
  const photo = await sharp(PHOTO).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  // Cut every frame first, so that the camera's own work does not take time from the loop being measured.
  const frames: Frame[] = [];
  for (let index = 0; index < options.frames; index++) {
    const offset = { x: Math.round((index * (photo.info.width - size)) / Math.max(1, options.frames - 1)), y: 0 };
    const pixels = await sharp(photo.data, { raw: photo.info })
      .extract({ left: offset.x, top: offset.y, width: size, height: size }).raw().toBuffer();
    frames.push({ index, pixels, width: size, height: size, offset });
  }
  return new Promise<void>((resolve) => {
    let next = 0;
    const timer = setInterval(() => {
      onFrame(frames[next++]);
      if (next === frames.length) {
        clearInterval(timer);
        resolve();
      }
    }, 1000 / options.fps);
  });
}

/** Frames from ffmpeg (a V4L2 camera such as /dev/video0, or any video file), as raw RGB. */
function ffmpegCamera(options: { frames: number; video: string; width: number; height: number },
  onFrame: (frame: Frame) => void): Promise<void> {
  const input = options.video.startsWith('/dev/video') ? ['-f', 'v4l2', '-i', options.video] : ['-re', '-i', options.video];
  const ffmpeg = spawn('ffmpeg', ['-loglevel', 'error', ...input, '-vf', `scale=${options.width}:${options.height}`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const frameBytes = options.width * options.height * 3;
  let pending = Buffer.alloc(0);
  let index = 0;
  return new Promise<void>((resolve, reject) => {
    ffmpeg.on('error', (error) => reject(new Error(`cannot run ffmpeg (${error.message}): install it, or leave out --video`)));
    ffmpeg.stdout.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes && index < options.frames) {
        onFrame({ index: index++, pixels: pending.subarray(0, frameBytes), width: options.width, height: options.height });
        pending = pending.subarray(frameBytes);
      }
      if (index >= options.frames) ffmpeg.kill();
    });
    ffmpeg.on('close', () => resolve());
  });
}

function parseArgs(argv: string[]) {
  const options: { frames: number; fps: number; pool: number; video: string | null; width: number; height: number;
    save: string | null; json: boolean } = { frames: 60, fps: 30, pool: 2, video: null, width: 640, height: 480, save: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--frames') options.frames = Number(argv[++i]);
    else if (flag === '--fps') options.fps = Number(argv[++i]);
    else if (flag === '--pool') options.pool = Number(argv[++i]);
    else if (flag === '--video') options.video = argv[++i];
    else if (flag === '--size') [options.width, options.height] = argv[++i].split('x').map(Number);
    else if (flag === '--save') options.save = argv[++i];
    else if (flag === '--json') options.json = true;
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
};

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { letterbox }: typeof Image = require('./lib/image');
  const { INPUT_SIZE, decode, nonMaxSuppression, normalise, toImage }: typeof BlazeFace = require('./lib/blazeface');
  const pool = await createPool(MODEL, { size: options.pool, threads: 1 });
  if (options.save) fs.mkdirSync(options.save, { recursive: true });

  // The event loop's health while frames are processed: its delay histogram, and a 1 ms timer that counts the ticks
  // it gets while at least one model run is in flight.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let ticksWhileRunning = 0;
  const ticker = setInterval(() => {
    if (pool.running > 0) ticksWhileRunning++;
  }, 1);
  delay.enable();

  const results: { frame: number; ms: number; faces: BlazeFace.Detection[]; offset?: { x: number; y: number } | undefined }[] = [];
  const inFlight = new Set<Promise<void>>();
  let dropped = 0;
  const started = performance.now();

  /** One frame: letterbox + normalise (sharp, off the main thread), a pool run, decode + NMS. */
  async function processFrame(frame: Frame) {
    const t0 = performance.now();
    const raw = { width: frame.width, height: frame.height, channels: 3 as const };
    const input = await letterbox(frame.pixels, INPUT_SIZE, { raw });
    const tensor = new Float32Array(INPUT_SIZE * INPUT_SIZE * 3);
    normalise(input.pixels, tensor);
    const outputs = await pool.run([tensor]);
    const { regressors, classificators } = outputs;
    if (!(regressors instanceof Float32Array && classificators instanceof Float32Array)) throw new Error('expected float32 outputs');
    const faces = nonMaxSuppression(decode(regressors, classificators)).map((d) => toImage(d, input.toImage));
    const result = { frame: frame.index, ms: performance.now() - t0, faces, offset: frame.offset };
    results.push(result);
    if (!options.json) {
      console.log(`frame ${String(frame.index).padStart(3)}: ${faces.length} face(s)` +
        faces.map((f) => ` [${(f.score * 100).toFixed(0)}% at ${f.box.x.toFixed(0)},${f.box.y.toFixed(0)} ` +
          `${f.box.width.toFixed(0)}x${f.box.height.toFixed(0)}]`).join('') + ` in ${result.ms.toFixed(1)} ms`);
    }
    if (options.save) {
      const sharp: typeof Sharp = require('sharp');
      const { rect, dot, drawOnto }: typeof Draw = require('./lib/draw');
      const shapes = faces.flatMap((f) => [rect(f.box), ...f.keypoints.map((p) => dot(p))]);
      await drawOnto(sharp(frame.pixels, { raw }), frame, shapes,
        path.join(options.save, `frame-${String(frame.index).padStart(4, '0')}.png`));
    }
  }

  /** A new frame: processed if an interpreter is free, dropped otherwise. */
  function onFrame(frame: Frame) {
    if (inFlight.size >= pool.size) {
      dropped++;
      return;
    }
    const work = processFrame(frame).finally(() => inFlight.delete(work));
    inFlight.add(work);
  }

  try {
    if (options.video) await ffmpegCamera({ ...options, video: options.video }, onFrame);
    else await simulatedCamera(options, onFrame);
    await Promise.all(inFlight);
  } finally {
    clearInterval(ticker);
    delay.disable();
    pool.dispose();
  }

  const seconds = (performance.now() - started) / 1000;
  const latencies = results.map((r) => r.ms);
  const summary = {
    frames: results.length + dropped,
    processed: results.length,
    dropped,
    processedPerSecond: results.length / seconds,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    eventLoopDelayMs: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
    ticksWhileRunning,
  };
  if (options.json) {
    console.log(JSON.stringify({ ...summary, results: results.sort((a, b) => a.frame - b.frame) }));
    return;
  }
  console.log(`${summary.frames} frames at ${options.fps} fps: ${summary.processed} processed ` +
    `(${summary.processedPerSecond.toFixed(1)}/s, latency p50 ${summary.latencyMs.p50.toFixed(1)} ms, ` +
    `p99 ${summary.latencyMs.p99.toFixed(1)} ms), ${summary.dropped} dropped while both interpreters were busy`);
  console.log(`event loop while running: delay p50 ${summary.eventLoopDelayMs.p50.toFixed(2)} ms, ` +
    `p99 ${summary.eventLoopDelayMs.p99.toFixed(2)} ms; a 1 ms timer ticked ${ticksWhileRunning} times during model runs`);
}

runMain(main, 'read images');
