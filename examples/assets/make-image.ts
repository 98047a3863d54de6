// Draws examples/assets/airplane.jpg (a small airplane on a sky, 160x120) with sharp from an SVG drawing.
// Run: node dist/examples/assets/make-image.js. The image is committed; this script documents how it was made.
import * as path from 'path';
import sharp from 'sharp';
import { ASSETS } from '../lib/package-root';

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120" viewBox="0 0 160 120">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="#3d7fd6"/><stop offset="1" stop-color="#bfe0ff"/></linearGradient></defs>
  <rect width="160" height="120" fill="url(#sky)"/>
  <ellipse cx="40" cy="95" rx="30" ry="8" fill="#ffffff" opacity="0.8"/>
  <ellipse cx="125" cy="25" rx="22" ry="6" fill="#ffffff" opacity="0.7"/>
  <g fill="#e8e8ec" stroke="#55575e" stroke-width="1.5">
    <path d="M20 62 Q22 54 34 54 L128 54 Q146 56 148 62 Q146 68 128 70 L34 70 Q22 70 20 62 Z"/>
    <path d="M70 56 L96 18 L106 18 L92 56 Z"/>
    <path d="M70 68 L96 104 L106 104 L92 68 Z"/>
    <path d="M26 56 L18 36 L28 36 L40 56 Z"/>
  </g>
  <g fill="#2b3a55">
    <circle cx="120" cy="60" r="2.5"/><circle cx="110" cy="60" r="2.5"/><circle cx="100" cy="60" r="2.5"/>
    <circle cx="60" cy="60" r="2.5"/><circle cx="50" cy="60" r="2.5"/><circle cx="40" cy="60" r="2.5"/>
    <path d="M136 58 Q143 59 145 62 L136 62 Z"/>
  </g>
</svg>`;

sharp(Buffer.from(svg))
  .jpeg({ quality: 85, mozjpeg: true })
  .toFile(path.join(ASSETS, 'airplane.jpg'))
  .then((info) => console.log(`wrote airplane.jpg: ${info.width}x${info.height}, ${info.size} bytes`));
