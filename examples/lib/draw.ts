// Drawing on an image with sharp: shapes are written as an SVG the size of the image and composited over it.
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import type { Point } from './image';

const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** An SVG rectangle outline. */
export function rect(b: { x: number; y: number; width: number; height: number }, colour = '#00e5ff', width = 3): string {
  return `<rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.width.toFixed(1)}" height="${b.height.toFixed(1)}" ` +
    `fill="none" stroke="${colour}" stroke-width="${width}"/>`;
}

/** A filled dot with a dark rim, visible on light and dark backgrounds. */
export function dot(p: Point, colour = '#ff2d55', radius = 4): string {
  return `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${radius}" fill="${colour}" stroke="#000" stroke-width="1"/>`;
}

/** A line between two points. */
export function line(a: Point, b: Point, colour = '#ffe600', width = 3): string {
  return `<line x1="${a.x.toFixed(1)}" y1="${a.y.toFixed(1)}" x2="${b.x.toFixed(1)}" y2="${b.y.toFixed(1)}" ` +
    `stroke="${colour}" stroke-width="${width}" stroke-linecap="round"/>`;
}

/** A text label on a dark background, its top-left corner at p (clamped inside the image by the caller). */
export function label(p: Point, text: string, colour = '#00e5ff'): string {
  const w = 8 * text.length + 8;
  return `<rect x="${p.x.toFixed(1)}" y="${p.y.toFixed(1)}" width="${w}" height="18" fill="#000" fill-opacity="0.65"/>` +
    `<text x="${(p.x + 4).toFixed(1)}" y="${(p.y + 14).toFixed(1)}" font-family="DejaVu Sans Mono, monospace" ` +
    `font-size="13" fill="${colour}">${escape(text)}</text>`;
}

/**
 * Composites SVG shapes over an image and writes it (format from the file name: .png, .jpg, .webp).
 * @param image a path, encoded bytes, or a sharp pipeline (e.g. raw pixels)
 * @param size the image's size in pixels
 * @param shapes SVG elements from rect/dot/line/label
 * @param file where to write
 */
export async function drawOnto(image: string | Buffer | Sharp, size: { width: number; height: number }, shapes: string[],
  file: string): Promise<OutputInfo> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}">${shapes.join('')}</svg>`;
  const base = typeof image === 'string' || Buffer.isBuffer(image) ? sharp(image) : image;
  return base.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).toFile(file);
}
