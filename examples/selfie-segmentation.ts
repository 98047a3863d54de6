#!/usr/bin/env node
// Person segmentation with MediaPipe's selfie segmenter (examples/models/selfie_segmentation.tflite, Apache-2.0,
// from @mediapipe/selfie_segmentation): writes the mask as a greyscale image (white = person) and the photo with
// the background greyed out.
//
//   node dist/examples/selfie-segmentation.js [image] [--mask mask.png] [--out cutout.png] [--json]
//
// The model uses MediaPipe's custom op Convolution2DTransposeBias. TFLite's XNNPACK delegate implements it, and
// XNNPACK is on by default here, so no custom op library is needed (with `xnnpack: false` it fails to allocate,
// as it does in Python with the default delegates off).
import * as path from 'path';
import type Sharp from 'sharp';
import { Interpreter } from 'tflite-runtime';
import { runMain } from './lib/main';
import { ASSETS, MODELS } from './lib/package-root';

const MODEL = path.join(MODELS, 'selfie_segmentation.tflite');
const IMAGE = path.join(ASSETS, 'astronaut.png');

/** sharp, loaded when first needed: a missing sharp is then the message runMain gives. */
const loadSharp = (): typeof Sharp => require('sharp');

/** Segments one image. Returns the mask at the image's own size (one byte per pixel, 255 = person). */
export async function segment(image: string) {
  const sharp = loadSharp();
  const interpreter = new Interpreter(MODEL);
  try {
    interpreter.allocateTensors();
    const input = interpreter.input(0);
    const [, height, width] = input.shape; // [1, 256, 256, 3]
    const { width: imageWidth, height: imageHeight } = await sharp(image).metadata();
    // The model sees the whole picture squeezed to 256x256 (MediaPipe does the same); the mask is stretched back.
    const pixels = await sharp(image).removeAlpha().resize(width, height, { fit: 'fill' }).raw().toBuffer();
    const data = input.data;
    if (!(data instanceof Float32Array)) throw new Error('expected a float32 input');
    for (let i = 0; i < pixels.length; i++) data[i] = pixels[i] / 255; // MediaPipe: [0, 1]

    const started = performance.now();
    await interpreter.invokeAsync();
    const invokeMs = performance.now() - started;

    const probabilities = interpreter.output(0).data; // [1, 256, 256, 1], sigmoid: P(person)
    if (!(probabilities instanceof Float32Array)) throw new Error('expected a float32 output');
    const small = Buffer.from(probabilities.map((p) => Math.round(Math.min(1, Math.max(0, p)) * 255)));
    const mask = await sharp(small, { raw: { width, height, channels: 1 } })
      .resize(imageWidth, imageHeight, { fit: 'fill', kernel: 'linear' })
      .extractChannel(0) // sharp hands back 3 channels otherwise
      .raw()
      .toBuffer();
    const person = mask.reduce((n, v) => n + (v >= 128 ? 1 : 0), 0) / mask.length;
    return { mask, width: imageWidth, height: imageHeight, person, invokeMs, delegates: interpreter.delegates };
  } finally {
    interpreter.dispose();
  }
}

function parseArgs(argv: string[]) {
  const options = { image: IMAGE, mask: 'selfie-mask.png', out: 'selfie-cutout.png', json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--mask') options.mask = argv[++i];
    else if (argv[i] === '--out') options.out = argv[++i];
    else if (argv[i] === '--json') options.json = true;
    else options.image = argv[i];
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const sharp = loadSharp();
  const result = await segment(options.image);
  const { width, height } = result;
  await sharp(result.mask, { raw: { width, height, channels: 1 } }).png().toFile(options.mask);
  // Cut-out: the photo where the mask says person, a flat grey elsewhere, blended by the mask's value.
  const rgb = await sharp(options.image).removeAlpha().raw().toBuffer();
  const cut = Buffer.alloc(rgb.length);
  for (let i = 0; i < result.mask.length; i++) {
    const a = result.mask[i] / 255;
    for (let c = 0; c < 3; c++) cut[3 * i + c] = Math.round(rgb[3 * i + c] * a + 90 * (1 - a));
  }
  await sharp(cut, { raw: { width, height, channels: 3 } }).png().toFile(options.out);

  if (options.json) {
    console.log(JSON.stringify({ width, height, person: result.person, mask: options.mask, out: options.out }));
    return;
  }
  console.log(`${path.basename(options.image)} ${width}x${height}: ${(result.person * 100).toFixed(1)}% of the pixels ` +
    `are person (mask >= 0.5); invoke ${result.invokeMs.toFixed(1)} ms; delegates: ` +
    result.delegates.map((d) => `${d.name} ${d.applied ? `(${d.nodes} nodes)` : 'not applied'}`).join(', '));
  console.log(`wrote ${path.resolve(options.mask)} (the mask, white = person) and ${path.resolve(options.out)} (the cut-out)`);
}

if (require.main === module) runMain(main, 'read and write images');
