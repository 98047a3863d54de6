// Image input for the examples: letterboxing with sharp, as MediaPipe's ImageToTensorCalculator does.
import sharp from 'sharp';

export interface Point { x: number; y: number }

/** Raw RGB pixels' layout, for a `Buffer` that holds them instead of an encoded image. */
export interface RawRgb { width: number; height: number; channels: 3 }

/** Pixels ready for a model, and how to map model coordinates ([0, 1] of the input) back to the image. */
export interface ModelImage { pixels: Buffer; width: number; height: number; toImage: (p: Point) => Point }

/**
 * Letterboxes an image into a size x size RGB square (aspect ratio kept, black bars), as MediaPipe's
 * ImageToTensorCalculator does, and says how to map model coordinates back to the image.
 * @param image a path or encoded image bytes (anything sharp reads), or raw RGB with `raw`
 */
export async function letterbox(image: string | Buffer, size: number, options: { raw?: RawRgb } = {}): Promise<ModelImage> {
  const source = sharp(image, options.raw ? { raw: options.raw } : {});
  const { width, height } = options.raw ?? await source.metadata();
  const scale = Math.min(size / width, size / height);
  const padX = (size - width * scale) / 2;
  const padY = (size - height * scale) / 2;
  const pixels = await source
    .removeAlpha()
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0 }, kernel: 'linear' })
    .raw()
    .toBuffer();
  const toImage = (p: Point) => ({ x: (p.x * size - padX) / scale, y: (p.y * size - padY) / scale });
  return { pixels, width, height, toImage };
}

/**
 * Crops a square region of interest (which may reach past the image's edges: black there, as MediaPipe pads) and
 * resizes it to size x size RGB; says how to map model coordinates back to the image.
 * @param roi in image pixels
 */
export async function cropSquare(image: string | Buffer, roi: { cx: number; cy: number; side: number }, size: number): Promise<ModelImage> {
  const { width, height } = await sharp(image).metadata();
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
  const toImage = (p: Point) => ({ x: left + p.x * side, y: top + p.y * side });
  return { pixels, width, height, toImage };
}
