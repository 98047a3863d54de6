// BlazeFace short-range (MediaPipe's face_detection_short_range.tflite) pre- and post-processing; the SSD decoding
// also serves MediaPipe's pose detector (see FACE and SsdSpec).
// The numbers are MediaPipe's own: mediapipe/modules/face_detection/face_detection_short_range.pbtxt
// (SsdAnchorsCalculator, TensorsToDetectionsCalculator, NonMaxSuppressionCalculator).
//
//   input   float32 [1, 128, 128, 3], RGB scaled to [-1, 1]
//   outputs regressors [1, 896, 16]: per anchor box (cx, cy, w, h) + 6 keypoints (x, y), in 128-pixel units,
//           relative to the anchor; classificators [1, 896, 1]: a logit per anchor
import type { Interpreter } from 'tflite-runtime';
import { letterbox, type Point, type RawRgb } from './image';

export const INPUT_SIZE = 128;
/** The six keypoints, in the model's order (the subject's right and left). */
export const KEYPOINTS = ['right eye', 'left eye', 'nose tip', 'mouth centre', 'right ear tragion', 'left ear tragion'];

/**
 * An SSD detector's layout: input size, anchor strides, keypoints per box. BlazeFace short range is FACE; MediaPipe's
 * pose detector (pose_detection.tflite) is the same design at 224 px with strides 8, 16, 32, 32, 32 and 4 keypoints.
 */
export interface SsdSpec { inputSize: number; strides: number[]; keypoints: number }
export const FACE: SsdSpec = { inputSize: INPUT_SIZE, strides: [8, 16, 16, 16], keypoints: KEYPOINTS.length };

/**
 * SSD anchors as MediaPipe's SsdAnchorsCalculator makes them for these models (aspect ratio 1, interpolated scale 1,
 * fixed anchor size): layers with the same stride share one grid, two anchors per cell per layer. For FACE:
 * 16*16*2 + 8*8*6 = 896. Anchor centres in [0, 1].
 */
export function anchors(spec: SsdSpec): Point[] {
  const { strides, inputSize } = spec;
  const out: Point[] = [];
  let layer = 0;
  while (layer < strides.length) {
    let perCell = 0;
    let last = layer;
    while (last < strides.length && strides[last] === strides[layer]) {
      perCell += 2;
      last++;
    }
    const cells = Math.ceil(inputSize / strides[layer]);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) out.push({ x: (x + 0.5) / cells, y: (y + 0.5) / cells });
      }
    }
    layer = last;
  }
  return out;
}
export const ANCHORS = anchors(FACE);
const anchorCache = new Map([[FACE, ANCHORS]]);

/** A detection: box and keypoints in the coordinates they were mapped to (model-normalised [0, 1] or image pixels). */
export interface Detection { score: number; box: { x: number; y: number; width: number; height: number }; keypoints: Point[] }

/**
 * Decodes raw outputs into detections above `threshold` (MediaPipe: 0.5), model-normalised coordinates.
 * @param regressors [anchors * (4 + 2 * keypoints)]: box (cx, cy, w, h) and keypoints (x, y) in input pixels,
 *   relative to the anchor
 * @param classificators [anchors]: a logit per anchor
 */
export function decode(regressors: Float32Array, classificators: Float32Array, threshold = 0.5, spec = FACE): Detection[] {
  const grid = anchorCache.get(spec) ?? anchorCache.set(spec, anchors(spec)).get(spec) ?? [];
  const stride = 4 + 2 * spec.keypoints;
  const size = spec.inputSize;
  if (regressors.length !== grid.length * stride || classificators.length !== grid.length) {
    throw new Error(`expected ${grid.length} anchors, got ${classificators.length}`);
  }
  const detections: Detection[] = [];
  for (let i = 0; i < grid.length; i++) {
    const logit = Math.min(100, Math.max(-100, classificators[i])); // score_clipping_thresh: 100
    const score = 1 / (1 + Math.exp(-logit));
    if (score < threshold) continue;
    const r = regressors.subarray(i * stride, (i + 1) * stride);
    const a = grid[i];
    const cx = r[0] / size + a.x;
    const cy = r[1] / size + a.y;
    const w = r[2] / size;
    const h = r[3] / size;
    const keypoints: Point[] = [];
    for (let k = 0; k < spec.keypoints; k++) keypoints.push({ x: r[4 + 2 * k] / size + a.x, y: r[5 + 2 * k] / size + a.y });
    detections.push({ score, box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, keypoints });
  }
  return detections;
}

/** Intersection over union of two boxes. */
export function iou(a: Detection['box'], b: Detection['box']): number {
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
 * keypoints become their score-weighted mean; its score stays the best one's. Best first.
 */
export function nonMaxSuppression(detections: Detection[], threshold = 0.3): Detection[] {
  let remaining = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  while (remaining.length > 0) {
    const best = remaining[0];
    const overlapping = remaining.filter((d) => iou(best.box, d.box) > threshold);
    remaining = remaining.filter((d) => iou(best.box, d.box) <= threshold);
    const total = overlapping.reduce((sum, d) => sum + d.score, 0);
    const mean = (pick: (d: Detection) => number) => overlapping.reduce((sum, d) => sum + pick(d) * d.score, 0) / total;
    kept.push({
      score: best.score,
      box: { x: mean((d) => d.box.x), y: mean((d) => d.box.y), width: mean((d) => d.box.width), height: mean((d) => d.box.height) },
      keypoints: best.keypoints.map((_, k) => ({ x: mean((d) => d.keypoints[k].x), y: mean((d) => d.keypoints[k].y) })),
    });
  }
  return kept;
}

/** RGB bytes → float32 in [-1, 1], written into `into` (e.g. the input tensor's zero-copy view). */
export function normalise(pixels: Buffer, into: Float32Array): void {
  if (into.length !== pixels.length) throw new Error(`input holds ${into.length} values, image has ${pixels.length}`);
  for (let i = 0; i < pixels.length; i++) into[i] = pixels[i] / 127.5 - 1;
}

/** A detection in model coordinates → image pixels. */
export function toImage(d: Detection, map: (p: Point) => Point): Detection {
  const p0 = map({ x: d.box.x, y: d.box.y });
  const p1 = map({ x: d.box.x + d.box.width, y: d.box.y + d.box.height });
  return { score: d.score, box: { x: p0.x, y: p0.y, width: p1.x - p0.x, height: p1.y - p0.y }, keypoints: d.keypoints.map(map) };
}

/** Runs detection on one image with an allocated interpreter of face_detection_short_range.tflite. */
export async function detectFaces(interpreter: Interpreter, image: string | Buffer,
  options: { threshold?: number; raw?: RawRgb } = {}): Promise<{ width: number; height: number; faces: Detection[] }> {
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
