#!/usr/bin/env node
// Body pose in two stages, as MediaPipe does it: the BlazePose detector (pose_detection.tflite) finds the person and
// the region of interest, then the BlazePose GHUM lite landmark model (pose_landmark_lite.tflite) finds 33 body
// keypoints in that crop; the example draws the skeleton on the photo. Both models (Apache-2.0, 2.9 + 2.8 MB) come
// from the @mediapipe/pose npm package, fetched on first run and checked against pinned sha256s
// (examples/lib/fetch-model.ts).
//
//   node dist/examples/pose-landmarks.js [image] [--out pose.png] [--json]
//
// Detector: input [1, 224, 224, 3] in [-1, 1]; 2254 SSD anchors x (box + 4 keypoints): keypoint 0 is the hips' centre,
// keypoint 1 says how far the body reaches. Region of interest (MediaPipe's pose_detection_to_roi): a square centred
// on the hips, of side 2 x that reach x 1.25. MediaPipe also rotates the crop so that the body is upright; this
// example does not (fine for people standing up).
// Landmarks: input [1, 256, 256, 3] in [0, 1]; Identity [1, 195] = 39 landmarks x (x, y, z, visibility, presence),
// x and y in input pixels, visibility and presence as logits; Identity_1 [1, 1] = P(a person is in the crop).
import * as path from 'path';
import { Interpreter } from 'tflite-runtime';
// The helpers that load sharp (blazeface, draw, image) are required where they are used: a missing sharp is then
// the message runMain gives.
import type * as BlazeFace from './lib/blazeface';
import type * as Draw from './lib/draw';
import { fetchModel } from './lib/fetch-model';
import type * as Image from './lib/image';
import { runMain } from './lib/main';
import { ASSETS } from './lib/package-root';

const IMAGE = path.join(ASSETS, 'astronaut.png');

/** MediaPipe's 33 pose landmarks (the subject's left and right). */
export const LANDMARKS = ['nose', 'left eye (inner)', 'left eye', 'left eye (outer)', 'right eye (inner)', 'right eye',
  'right eye (outer)', 'left ear', 'right ear', 'mouth (left)', 'mouth (right)', 'left shoulder', 'right shoulder',
  'left elbow', 'right elbow', 'left wrist', 'right wrist', 'left pinky', 'right pinky', 'left index', 'right index',
  'left thumb', 'right thumb', 'left hip', 'right hip', 'left knee', 'right knee', 'left ankle', 'right ankle',
  'left heel', 'right heel', 'left foot index', 'right foot index'];

/** MediaPipe's POSE_CONNECTIONS: the skeleton's bones. */
export const CONNECTIONS: [number, number][] = [[0, 1], [1, 2], [2, 3], [3, 7], [0, 4], [4, 5], [5, 6], [6, 8],
  [9, 10], [11, 12], [11, 13], [13, 15], [15, 17], [15, 19], [15, 21], [17, 19], [12, 14], [14, 16], [16, 18], [16, 20], [16, 22], [18, 20],
  [11, 23], [12, 24], [23, 24], [23, 25], [24, 26], [25, 27], [26, 28], [27, 29], [28, 30], [29, 31], [30, 32],
  [27, 31], [28, 32]];

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** MediaPipe's pose detector as an SSD (see examples/lib/blazeface.ts): 224 px, strides 8, 16, 32, 32, 32. */
const POSE_DETECTOR: BlazeFace.SsdSpec = { inputSize: 224, strides: [8, 16, 32, 32, 32], keypoints: 4 };

/** A square region of interest in image pixels: its centre and side. */
interface Roi { cx: number; cy: number; side: number }

/**
 * Stage 1: the most likely person and the square region of interest around them, in image pixels.
 * @param model pose_detection.tflite
 */
export async function detectPerson(image: string, model: string) {
  const { letterbox }: typeof Image = require('./lib/image');
  const { decode, nonMaxSuppression, normalise, toImage }: typeof BlazeFace = require('./lib/blazeface');
  const interpreter = new Interpreter(model, { threads: 2 });
  try {
    interpreter.allocateTensors();
    const frame = await letterbox(image, POSE_DETECTOR.inputSize);
    const input = interpreter.input(0).data;
    if (!(input instanceof Float32Array)) throw new Error('expected a float32 input');
    normalise(frame.pixels, input); // [-1, 1]
    await interpreter.invokeAsync();
    const boxes = interpreter.output('Identity').data;
    const scores = interpreter.output('Identity_1').data;
    if (!(boxes instanceof Float32Array && scores instanceof Float32Array)) throw new Error('expected float32 outputs');
    const [best] = nonMaxSuppression(decode(boxes, scores, 0.5, POSE_DETECTOR));
    if (!best) return null;
    const person = toImage(best, frame.toImage);
    const [hips, reach] = person.keypoints;
    const side = 2 * Math.hypot(reach.x - hips.x, reach.y - hips.y) * 1.25;
    return { score: person.score, hips, roi: { cx: hips.x, cy: hips.y, side } };
  } finally {
    interpreter.dispose();
  }
}

/**
 * Stage 2: the 33 landmarks in the region of interest, in image pixels, visibility and presence in [0, 1].
 * @param model pose_landmark_lite.tflite
 */
export async function landmarksIn(image: string, roi: Roi, model: string) {
  const { cropSquare }: typeof Image = require('./lib/image');
  const interpreter = new Interpreter(model, { threads: 2 });
  try {
    interpreter.allocateTensors();
    const input = interpreter.input(0);
    const size = input.shape[1]; // [1, 256, 256, 3]
    const crop = await cropSquare(image, roi, size);
    const data = input.data;
    if (!(data instanceof Float32Array)) throw new Error('expected a float32 input');
    for (let i = 0; i < crop.pixels.length; i++) data[i] = crop.pixels[i] / 255; // [0, 1]
    await interpreter.invokeAsync();
    const raw = interpreter.output('Identity').data;
    const flag = interpreter.output('Identity_1').data;
    if (!(raw instanceof Float32Array && flag instanceof Float32Array)) throw new Error('expected float32 outputs');
    const at = (i: number) => crop.toImage({ x: raw[5 * i] / size, y: raw[5 * i + 1] / size });
    const points = LANDMARKS.map((name, i) => ({ name, ...at(i), z: raw[5 * i + 2], visibility: sigmoid(raw[5 * i + 3]),
      presence: sigmoid(raw[5 * i + 4]) }));
    // Landmarks 33 and 34 (auxiliary) are the hips' centre and the body's reach, as the detector's keypoints 0 and 1:
    // MediaPipe tracks a video with them, taking the next frame's region of interest from this frame's landmarks.
    const [hips, reach] = [at(33), at(34)];
    const next: Roi = { cx: hips.x, cy: hips.y, side: 2 * Math.hypot(reach.x - hips.x, reach.y - hips.y) * 1.25 };
    return { width: crop.width, height: crop.height, personScore: flag[0], landmarks: points, nextRoi: next };
  } finally {
    interpreter.dispose();
  }
}

/** Both stages. `null` when the detector finds nobody. */
export async function pose(image: string, models: { detector: string; landmarker: string }) {
  const started = performance.now();
  const person = await detectPerson(image, models.detector);
  if (!person) return null;
  // A second pass on the region the first pass's landmarks give, as MediaPipe does from one video frame to the next:
  // the detector's box is coarse, the landmarks' is tighter.
  const first = await landmarksIn(image, person.roi, models.landmarker);
  const result = await landmarksIn(image, first.nextRoi, models.landmarker);
  return { detection: person, roi: first.nextRoi, ...result, ms: performance.now() - started };
}

function parseArgs(argv: string[]) {
  const options = { image: IMAGE, out: 'pose.png', json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') options.out = argv[++i];
    else if (argv[i] === '--json') options.json = true;
    else options.image = argv[i];
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const models = { detector: fetchModel('pose_detection.tflite'), landmarker: fetchModel('pose_landmark_lite.tflite') };
  const result = await pose(options.image, models);
  if (!result) {
    console.log(options.json ? JSON.stringify({ detection: null }) : `no person found in ${options.image}`);
    return;
  }
  const { rect, dot, line, drawOnto }: typeof Draw = require('./lib/draw');
  const { roi } = result;
  const seen = (i: number) => result.landmarks[i].visibility >= 0.5;
  const shapes = [
    rect({ x: roi.cx - roi.side / 2, y: roi.cy - roi.side / 2, width: roi.side, height: roi.side }, '#7cff4f', 2),
    ...CONNECTIONS.filter(([a, b]) => seen(a) && seen(b)).map(([a, b]) => line(result.landmarks[a], result.landmarks[b])),
    ...result.landmarks.filter((_, i) => seen(i)).map((p) => dot(p)),
  ];
  await drawOnto(options.image, result, shapes, options.out);

  if (options.json) {
    console.log(JSON.stringify({ ...result, out: options.out }));
    return;
  }
  const visible = result.landmarks.filter((_, i) => seen(i));
  console.log(`${path.basename(options.image)} ${result.width}x${result.height}: person detected (score ` +
    `${result.detection.score.toFixed(3)}); region of interest ${roi.side.toFixed(0)} px square centred on the hips at ` +
    `(${roi.cx.toFixed(0)}, ${roi.cy.toFixed(0)}) (the detector's: ${result.detection.roi.side.toFixed(0)} px at ` +
    `(${result.detection.roi.cx.toFixed(0)}, ${result.detection.roi.cy.toFixed(0)})); landmark model's person score ` +
    `${result.personScore.toFixed(3)}; ` +
    `${visible.length} of 33 landmarks visible (>= 0.5); both stages ${result.ms.toFixed(0)} ms`);
  for (const p of visible) {
    console.log(`  ${p.name.padEnd(17)} (${p.x.toFixed(1)}, ${p.y.toFixed(1)})  visibility ${p.visibility.toFixed(2)}`);
  }
  console.log(`wrote ${path.resolve(options.out)} (the region of interest in green, the skeleton of the visible landmarks)`);
}

if (require.main === module) runMain(main, 'read and draw images');
