// @ts-check
// Image input for the examples: letterboxing with sharp, as MediaPipe's ImageToTensorCalculator does.
'use strict';
const sharp = require('sharp');

/** @typedef {{ x: number, y: number }} Point */

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

/**
 * Crops a square region of interest (which may reach past the image's edges: black there, as MediaPipe pads) and
 * resizes it to size x size RGB; says how to map model coordinates back to the image.
 * @param {string | Buffer} image
 * @param {{ cx: number, cy: number, side: number }} roi in image pixels
 * @param {number} size
 * @returns {Promise<{ pixels: Buffer, width: number, height: number, toImage: (p: Point) => Point }>}
 */
async function cropSquare(image, roi, size) {
  const { width, height } = /** @type {{ width: number, height: number }} */ (await sharp(image).metadata());
  const side = Math.max(1, Math.round(roi.side));
  const left = Math.round(roi.cx - side / 2);
  const top = Math.round(roi.cy - side / 2);
  // Pad by as much as the square reaches out, then cut the square out of the padded image.
  const pad = { left: Math.max(0, -left), top: Math.max(0, -top),
    right: Math.max(0, left + side - width), bottom: Math.max(0, top + side - height) };
  const padded = await sharp(image).removeAlpha()
    .extend({ ...pad, background: { r: 0, g: 0, b: 0 } }).raw().toBuffer({ resolveWithObject: true });
  const pixels = await sharp(padded.data, { raw: padded.info })
    .extract({ left: left + pad.left, top: top + pad.top, width: side, height: side })
    .resize(size, size, { kernel: 'linear' })
    .raw()
    .toBuffer();
  const toImage = (/** @type {Point} */ p) => ({ x: left + p.x * side, y: top + p.y * side });
  return { pixels, width, height, toImage };
}

module.exports = { letterbox, cropSquare };
