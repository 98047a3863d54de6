// @ts-check
// BlazeFace short-range (MediaPipe's face_detection_short_range.tflite) pre- and post-processing, in plain JS.
// The numbers are MediaPipe's own: mediapipe/modules/face_detection/face_detection_short_range.pbtxt
// (SsdAnchorsCalculator, TensorsToDetectionsCalculator, NonMaxSuppressionCalculator).
//
//   input   float32 [1, 128, 128, 3], RGB scaled to [-1, 1]
//   outputs regressors [1, 896, 16]: per anchor box (cx, cy, w, h) + 6 keypoints (x, y), in 128-pixel units,
//           relative to the anchor; classificators [1, 896, 1]: a logit per anchor
'use strict';
const sharp = require('sharp');

const INPUT_SIZE = 128;
/** The six keypoints, in the model's order (the subject's right and left). */
const KEYPOINTS = ['right eye', 'left eye', 'nose tip', 'mouth centre', 'right ear tragion', 'left ear tragion'];

/**
 * SSD anchors as MediaPipe's SsdAnchorsCalculator makes them for this model: strides 8, 16, 16, 16 (the three
 * stride-16 layers share one grid), two anchors per cell per layer, fixed size 1x1: 16*16*2 + 8*8*6 = 896.
 * @returns {{ x: number, y: number }[]} anchor centres in [0, 1]
 */
function anchors() {
  const strides = [8, 16, 16, 16];
  const out = [];
  let layer = 0;
  while (layer < strides.length) {
    let perCell = 0;
    let last = layer;
    // Layers with the same stride are merged; each contributes 2 anchors (aspect ratio 1 + interpolated scale).
    while (last < strides.length && strides[last] === strides[layer]) {
      perCell += 2;
      last++;
    }
    const cells = Math.ceil(INPUT_SIZE / strides[layer]);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) out.push({ x: (x + 0.5) / cells, y: (y + 0.5) / cells });
      }
    }
    layer = last;
  }
  return out;
}
const ANCHORS = anchors();

/**
 * @typedef {{ x: number, y: number }} Point
 * @typedef {{ score: number, box: { x: number, y: number, width: number, height: number }, keypoints: Point[] }} Detection
 *   box and keypoints in the coordinates they were mapped to (model-normalised [0, 1] or image pixels)
 */

/**
 * Decodes raw outputs into detections above `threshold` (MediaPipe: 0.5), model-normalised coordinates.
 * @param {Float32Array} regressors [896 * 16]
 * @param {Float32Array} classificators [896]
 * @param {number} threshold
 * @returns {Detection[]}
 */
function decode(regressors, classificators, threshold = 0.5) {
  if (regressors.length !== ANCHORS.length * 16 || classificators.length !== ANCHORS.length) {
    throw new Error(`expected ${ANCHORS.length} anchors, got ${classificators.length}`);
  }
  /** @type {Detection[]} */
  const detections = [];
  for (let i = 0; i < ANCHORS.length; i++) {
    const logit = Math.min(100, Math.max(-100, classificators[i])); // score_clipping_thresh: 100
    const score = 1 / (1 + Math.exp(-logit));
    if (score < threshold) continue;
    const r = regressors.subarray(i * 16, i * 16 + 16);
    const a = ANCHORS[i];
    const cx = r[0] / INPUT_SIZE + a.x;
    const cy = r[1] / INPUT_SIZE + a.y;
    const w = r[2] / INPUT_SIZE;
    const h = r[3] / INPUT_SIZE;
    const keypoints = [];
    for (let k = 0; k < KEYPOINTS.length; k++) {
      keypoints.push({ x: r[4 + 2 * k] / INPUT_SIZE + a.x, y: r[5 + 2 * k] / INPUT_SIZE + a.y });
    }
    detections.push({ score, box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, keypoints });
  }
  return detections;
}

/** Intersection over union of two boxes. */
function iou(/** @type {Detection['box']} */ a, /** @type {Detection['box']} */ b) {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Weighted non-maximum suppression (MediaPipe's WEIGHTED algorithm, min_suppression_threshold 0.3): the best
 * remaining detection absorbs every detection overlapping it by more than `threshold` IoU, and its box and
 * keypoints become their score-weighted mean; its score stays the best one's.
 * @param {Detection[]} detections
 * @returns {Detection[]} best first
 */
function nonMaxSuppression(detections, threshold = 0.3) {
  let remaining = [...detections].sort((a, b) => b.score - a.score);
  const kept = [];
  while (remaining.length > 0) {
    const best = remaining[0];
    const overlapping = remaining.filter((d) => iou(best.box, d.box) > threshold);
    remaining = remaining.filter((d) => iou(best.box, d.box) <= threshold);
    const total = overlapping.reduce((sum, d) => sum + d.score, 0);
    const mean = (/** @type {(d: Detection) => number} */ pick) =>
      overlapping.reduce((sum, d) => sum + pick(d) * d.score, 0) / total;
    kept.push({
      score: best.score,
      box: { x: mean((d) => d.box.x), y: mean((d) => d.box.y), width: mean((d) => d.box.width), height: mean((d) => d.box.height) },
      keypoints: best.keypoints.map((_, k) => ({ x: mean((d) => d.keypoints[k].x), y: mean((d) => d.keypoints[k].y) })),
    });
  }
  return kept;
}

/**
 * Letterboxes an image into a size x size RGB square (aspect ratio kept, black bars), as MediaPipe's
 * ImageToTensorCalculator does, and says how to map model coordinates back to the image.
 * @param {string | Buffer} image a path or encoded image bytes (anything sharp reads), or raw RGB with `raw`
 * @param {number} size
 * @param {{ raw?: { width: number, height: number, channels: 3 } }} [options]
 * @returns {Promise<{ pixels: Buffer, width: number, height: number, toImage: (p: Point) => Point }>}
 */
async function letterbox(image, size, options = {}) {
  const source = sharp(image, options.raw ? { raw: options.raw } : {});
  const { width, height } = options.raw ?? /** @type {{ width: number, height: number }} */ (await source.metadata());
  const scale = Math.min(size / width, size / height);
  const padX = (size - width * scale) / 2;
  const padY = (size - height * scale) / 2;
  const pixels = await source
    .removeAlpha()
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0 }, kernel: 'linear' })
    .raw()
    .toBuffer();
  const toImage = (/** @type {Point} */ p) => ({ x: (p.x * size - padX) / scale, y: (p.y * size - padY) / scale });
  return { pixels, width, height, toImage };
}

/** RGB bytes → float32 in [-1, 1], written into `into` (e.g. the input tensor's zero-copy view). */
function normalise(/** @type {Buffer} */ pixels, /** @type {Float32Array} */ into) {
  if (into.length !== pixels.length) throw new Error(`input holds ${into.length} values, image has ${pixels.length}`);
  for (let i = 0; i < pixels.length; i++) into[i] = pixels[i] / 127.5 - 1;
}

/** A detection in model coordinates → image pixels. */
function toImage(/** @type {Detection} */ d, /** @type {(p: Point) => Point} */ map) {
  const p0 = map({ x: d.box.x, y: d.box.y });
  const p1 = map({ x: d.box.x + d.box.width, y: d.box.y + d.box.height });
  return { score: d.score, box: { x: p0.x, y: p0.y, width: p1.x - p0.x, height: p1.y - p0.y }, keypoints: d.keypoints.map(map) };
}

/**
 * Runs detection on one image with an allocated interpreter of face_detection_short_range.tflite.
 * @param {import('tflite-runtime').Interpreter} interpreter
 * @param {string | Buffer} image
 * @param {{ threshold?: number, raw?: { width: number, height: number, channels: 3 } }} [options]
 */
async function detectFaces(interpreter, image, options = {}) {
  const frame = await letterbox(image, INPUT_SIZE, options);
  const input = interpreter.input(0).data; // zero-copy views on TFLite's own buffers
  if (!(input instanceof Float32Array)) throw new Error('expected a float32 input');
  normalise(frame.pixels, input);
  await interpreter.invokeAsync();
  const regressors = interpreter.output('regressors').data;
  const classificators = interpreter.output('classificators').data;
  if (!(regressors instanceof Float32Array && classificators instanceof Float32Array)) throw new Error('expected float32 outputs');
  const faces = nonMaxSuppression(decode(regressors, classificators, options.threshold));
  return { width: frame.width, height: frame.height, faces: faces.map((d) => toImage(d, frame.toImage)) };
}

module.exports = { INPUT_SIZE, KEYPOINTS, ANCHORS, decode, nonMaxSuppression, iou, letterbox, normalise, toImage, detectFaces };
