// The model checker reads a model given by path through positioned 64 KiB pages (lib/model-check.ts fileBytes),
// a model given as bytes through a DataView (bufferBytes): both must read the same values everywhere, including
// reads that straddle a page boundary and the file's last bytes.
import fs from 'fs';
import path from 'path';
import { fileBytes, bufferBytes } from '../dist/cjs/model-check';

const model = path.join(__dirname, 'corpus/models/mediapipe/selfie_segmentation.tflite');

test('paged file reads equal in-memory reads, across page boundaries', () => {
  const bytes = fs.readFileSync(model);
  const fd = fs.openSync(model, 'r');
  try {
    const paged = fileBytes(fd);
    const direct = bufferBytes(bytes);
    expect(paged.length).toBe(bytes.length);
    const PAGE = 64 * 1024;
    const positions = [0, 1, 2, 3, bytes.length - 4, bytes.length - 2, bytes.length - 1];
    for (let page = PAGE; page < bytes.length; page += PAGE) positions.push(page - 3, page - 2, page - 1, page);
    for (let k = 0; k < 2000; k++) positions.push((k * 7919 * 31) % (bytes.length - 4));
    for (const at of positions) {
      expect(paged.u8(at)).toBe(direct.u8(at));
      if (at + 2 <= bytes.length) expect(paged.u16(at)).toBe(direct.u16(at));
      if (at + 4 <= bytes.length) expect(paged.i32(at)).toBe(direct.i32(at));
    }
  } finally {
    fs.closeSync(fd);
  }
});
