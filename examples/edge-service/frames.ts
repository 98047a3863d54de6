// Frame sources for the edge service, as async iterables of { id, image, raw? }:
//   folderFrames  the images of a folder (.jpg, .jpeg, .png, .webp), in name order, paced to `fps`; `after` skips
//                 the frames up to a name (a restarted service resumes after the last frame it stored)
//   cameraFrames  a V4L2 camera (/dev/video0) through Debian's ffmpeg, as raw RGB frames of `width` x `height`
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { RawRgb } from '../lib/image';

const IMAGE = /\.(jpe?g|png|webp)$/i;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A frame: a path or encoded bytes, or raw RGB bytes with their layout. */
export interface Frame { id: string; image: string | Buffer; raw?: RawRgb }

export async function* folderFrames(dir: string, options: { fps?: number; after?: string | null; loop?: boolean } = {}):
  AsyncGenerator<Frame> {
  const interval = options.fps ? 1000 / options.fps : 0;
  const names = (await fs.promises.readdir(dir)).filter((n) => IMAGE.test(n)).sort();
  if (names.length === 0) throw new Error(`no images (.jpg, .png, .webp) in ${dir}`);
  let after = options.after ?? null; // the first pass only: a loop starts over from the first name
  let next = Date.now();
  do {
    for (const name of names) {
      if (after !== null && name <= after) continue;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      next = Math.max(next + interval, Date.now());
      yield { id: name, image: path.join(dir, name) };
    }
    after = null;
  } while (options.loop);
}

/**
 * Frames from a camera: ffmpeg reads the V4L2 device and writes raw RGB24 frames to its stdout.
 * @param device e.g. /dev/video0
 */
export async function* cameraFrames(device: string,
  options: { width?: number; height?: number; fps?: number; ffmpeg?: string } = {}): AsyncGenerator<Frame> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const frameBytes = width * height * 3;
  const ffmpeg = spawn(options.ffmpeg ?? 'ffmpeg', ['-loglevel', 'error', '-f', 'v4l2',
    '-video_size', `${width}x${height}`, '-i', device, '-r', String(options.fps ?? 10),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const failed = new Promise<never>((_, reject) => ffmpeg.once('error', (e) => reject(
    new Error(`cannot run ffmpeg for ${device} (apt-get install ffmpeg): ${e.message}`))));
  failed.catch(() => {}); // raced below; an error after the end is of no interest
  let pending: Buffer = Buffer.alloc(0);
  let count = 0;
  try {
    for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes) {
        const image = Buffer.from(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        yield { id: `${path.basename(device)}-${Date.now()}-${count++}`, image, raw: { width, height, channels: 3 } };
      }
    }
    await Promise.race([failed, new Promise((resolve) => ffmpeg.once('close', resolve))]);
    if (ffmpeg.exitCode !== 0 && ffmpeg.exitCode !== null) throw new Error(`ffmpeg exited with ${ffmpeg.exitCode}`);
  } finally {
    ffmpeg.kill();
  }
}
