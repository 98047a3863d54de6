#!/usr/bin/env node
// Quick start: a trained model on a real photograph. MediaPipe's BlazeFace short-range face detector
// (examples/models/face_detection_short_range.tflite, Apache-2.0, from the @mediapipe/face_detection npm package)
// finds the face in NASA's portrait of astronaut Eileen Collins (examples/assets/astronaut.png, public domain, from
// Debian's python3-skimage). Prints each detection and writes the photo with the boxes and keypoints drawn on it.
//
//   node dist/examples/quickstart.js [image] [--out faces.png] [--threshold 0.5] [--json]
//
// Needs sharp for decoding, resizing and drawing (`npm install sharp`; a dev dependency of this repository).
import * as path from 'path';
import { Interpreter, version } from 'tflite-runtime';
import type * as BlazeFace from './lib/blazeface';
import type * as Draw from './lib/draw';
import { runMain } from './lib/main';
import { ASSETS, MODELS } from './lib/package-root';

const MODEL = path.join(MODELS, 'face_detection_short_range.tflite');
const IMAGE = path.join(ASSETS, 'astronaut.png');

function parseArgs(argv: string[]) {
  const options = { image: IMAGE, out: 'quickstart-faces.png', threshold: 0.5, json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') options.out = argv[++i];
    else if (argv[i] === '--threshold') options.threshold = Number(argv[++i]);
    else if (argv[i] === '--json') options.json = true;
    else options.image = argv[i];
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  // These load sharp: required here, so that a missing sharp gets the message at the bottom.
  let helpers: typeof BlazeFace & typeof Draw;
  try {
    helpers = { ...require('./lib/blazeface'), ...require('./lib/draw') };
  } catch (error) {
    if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') throw error;
    // Installed but unable to load, e.g. sharp 0.35 on Node 18 (it needs 20.9): say so, with sharp's own words.
    throw new Error(`sharp does not load here (${error.message.split('\n')[0]}); on Node 18 use: npm install sharp@0.34`);
  }
  const { detectFaces, KEYPOINTS, rect, dot, label, drawOnto } = helpers;

  // 1. Load the model and allocate its tensors (XNNPACK is on by default).
  const interpreter = new Interpreter(MODEL, { threads: 2 });
  try {
    interpreter.allocateTensors();

    // 2-4. Letterbox to 128x128 with sharp, scale to [-1, 1] straight into the input tensor, invokeAsync on the libuv
    // pool, then decode the 896 SSD anchors, keep scores >= threshold and merge overlaps (weighted NMS).
    const started = performance.now();
    const result = await detectFaces(interpreter, options.image, { threshold: options.threshold });
    const ms = performance.now() - started;

    // 5. Draw the boxes and keypoints on the original image.
    const shapes = result.faces.flatMap((face) => [
      rect(face.box),
      ...face.keypoints.map((p) => dot(p)),
      label({ x: Math.max(0, face.box.x), y: Math.max(0, face.box.y - 20) }, `face ${(face.score * 100).toFixed(0)}%`),
    ]);
    await drawOnto(options.image, result, shapes, options.out);

    const round = (v: number) => Math.round(v * 10) / 10;
    if (options.json) {
      console.log(JSON.stringify({ image: options.image, width: result.width, height: result.height, out: options.out,
        faces: result.faces.map((f) => ({ score: f.score, box: f.box, keypoints: f.keypoints })) }));
      return;
    }
    console.log(`TFLite ${version.tflite}, tflite-runtime ${version.addon}; delegates: ` +
      interpreter.delegates.map((d) => `${d.name} ${d.applied ? `(${d.nodes} nodes)` : 'not applied'}`).join(', '));
    console.log(`model: ${path.basename(MODEL)} (BlazeFace short range, trained); ` +
      `image: ${path.basename(options.image)} ${result.width}x${result.height}`);
    console.log(`${result.faces.length} face(s) with score >= ${options.threshold} ` +
      `(pre-process + invoke + post-process: ${ms.toFixed(1)} ms)`);
    for (const [i, face] of result.faces.entries()) {
      const b = face.box;
      console.log(`  face ${i + 1}: score ${face.score.toFixed(3)}, box x=${round(b.x)} y=${round(b.y)} ` +
        `w=${round(b.width)} h=${round(b.height)} px`);
      for (const [k, p] of face.keypoints.entries()) {
        console.log(`    ${KEYPOINTS[k].padEnd(17)} (${round(p.x)}, ${round(p.y)})`);
      }
    }
    console.log(`wrote ${path.resolve(options.out)} (boxes and keypoints drawn)`);
  } finally {
    interpreter.dispose();
  }
}

runMain(main, 'read and draw images');
