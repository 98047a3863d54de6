#!/usr/bin/env node
// Image classification: decode and resize a real image with sharp, normalise it into the input tensor's own memory
// (zero copy), run, and print the top 5 classes with their labels.
//
//   node dist/examples/classify-image.js [image] [--model model.tflite] [--labels labels.txt] [--top 5]
//
// Be aware: the default model, test/fixtures/convnet.tflite, is a tiny 10-class convnet with *random* weights (this
// repository ships no trained classifier; for a trained model on a real photo see examples/quickstart.ts, which runs
// MediaPipe's face detector). Its top 5 are meaningless, and the output says so; what this
// example shows is the pipeline, which is the same for a trained model: give --model mobilenet_v2.tflite with its
// labels (or a model whose TFLite metadata carries labels and normalisation, which are then used) and it works
// unchanged: the input size, channels, dtype and normalisation all come from the model.
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { Interpreter, readModelMetadata, parseLabels } from 'tflite-runtime';
import { ASSETS, FIXTURES } from './lib/package-root';

/** What classify() takes (the command line's flags); `labels: null` for none but the model's own. */
export interface ClassifyOptions { image?: string; model?: string; labels?: string | null; top?: number }

const DEFAULTS = {
  image: path.join(ASSETS, 'airplane.jpg'),
  model: path.join(FIXTURES, 'convnet.tflite'),
  labels: path.join(ASSETS, 'cifar10-labels.txt'),
  top: 5,
};

/** Labels and input normalisation: from the model's metadata when it has them, else the labels file and [0, 1]. */
function modelInfo(model: string, labelsFile: string | null) {
  const metadata = readModelMetadata(model);
  const labels = metadata.labels ?? (labelsFile ? parseLabels(fs.readFileSync(labelsFile, 'utf8')) : null);
  const normalization = metadata.tflite?.inputs[0]?.normalization ?? { mean: [0], std: [255] };
  return { labels, normalization, labelsFrom: metadata.labels ? 'model metadata' : labelsFile };
}

/** Classifies one image; returns the top classes and the timings. */
export async function classify(image: string, options: ClassifyOptions = {}) {
  const { model, labels: labelsFile, top } = { ...DEFAULTS, ...options };
  const { labels, normalization, labelsFrom } = modelInfo(model, labelsFile);
  const interpreter = new Interpreter(model);
  try {
    interpreter.allocateTensors();
    const input = interpreter.input(0);
    const [, height, width, channels] = input.shape; // NHWC
    if (input.shape.length !== 4 || channels !== 3) throw new Error(`expected an RGB input, got [${input.shape}]`);

    // Decode, resize (crop to the input's aspect ratio), drop any alpha channel: raw RGB bytes, row-major.
    const started = performance.now();
    const pixels = await sharp(image).resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer();
    const decodeMs = performance.now() - started;

    // Normalise straight into the tensor's memory: input.data is a zero-copy view.
    const { mean, std } = normalization;
    if (input.dtype === 'float32') {
      const data = input.data;
      for (let i = 0; i < pixels.length; i++) {
        const c = i % 3;
        data[i] = (pixels[i] - mean[mean.length === 1 ? 0 : c]) / std[std.length === 1 ? 0 : c];
      }
    } else if (input.dtype === 'uint8') {
      input.data.set(pixels); // quantized models take the pixels as they are
    } else {
      throw new Error(`this example handles float32 and uint8 inputs, not ${input.dtype}`);
    }

    const invokeStarted = performance.now();
    interpreter.invoke();
    const invokeMs = performance.now() - invokeStarted;

    const output = interpreter.output(0);
    const scores = output.dtype === 'float32' ? output.data : output.dequantize();
    const ranked = Array.from(scores, (score, index) => ({ index, label: labels?.[index] ?? `class ${index}`, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, top);
    return { top: ranked, labelsFrom, normalization, input: { width, height }, decodeMs, invokeMs };
  } finally {
    interpreter.dispose();
  }
}

function parseArgs(argv: string[]) {
  const options: ClassifyOptions = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--model') options.model = argv[++i];
    else if (flag === '--labels') options.labels = argv[++i];
    else if (flag === '--top') options.top = Number(argv[++i]);
    else rest.push(flag);
  }
  if (rest[0]) options.image = rest[0];
  return options;
}

if (require.main === module) {
  const options = parseArgs(process.argv.slice(2));
  classify(options.image ?? DEFAULTS.image, options).then((result) => {
    console.log(`${path.basename(options.image ?? DEFAULTS.image)} → ${result.input.width}x${result.input.height}, ` +
      `normalised (x - ${result.normalization.mean}) / ${result.normalization.std}; ` +
      `decode+resize ${result.decodeMs.toFixed(1)} ms, invoke ${result.invokeMs.toFixed(2)} ms`);
    const randomWeights = path.basename(options.model ?? DEFAULTS.model) === 'convnet.tflite';
    console.log(`top ${result.top.length} (labels: ${result.labelsFrom ?? 'none'})` +
      `${randomWeights ? ' from convnet.tflite, a test model with RANDOM weights: these scores mean nothing' : ''}:`);
    for (const [i, { index, label, score }] of result.top.entries()) {
      console.log(`  ${i + 1}. ${label.padEnd(12)} ${(score * 100).toFixed(2).padStart(6)}%  (class ${index})`);
    }
  }).catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}

