/**
 * The one bounds-checked byte source every model reader goes through (lib/model-check.ts, lib/metadata.ts, and
 * stress/lib/tflite-map.js through dist/cjs): a model in memory, or a model file read in 64 KiB pages so a large
 * model is not read whole, under a `flatbuffers` ByteBuffer whose every read checks its bounds.
 *
 * The `flatbuffers` runtime trusts its input: its ByteBuffer indexes a Uint8Array without checks (an out-of-range
 * read gives undefined, then NaN offsets, then a TypeError or a silent wrong answer). CheckedByteBuffer replaces
 * every read the generated accessors (lib/schema/tflite.ts) make, so a hostile model ends in one typed error,
 * OutOfBounds, which each reader turns into its verdict.
 */
import * as fs from 'fs';
import { ByteBuffer, Encoding } from 'flatbuffers';

export interface ModelBytes {
  readonly length: number;
  u8(at: number): number;
  u16(at: number): number;
  i32(at: number): number;
  /** The bytes [at, at + length) (a view where they are in memory, else a copy). Bounds are the caller's. */
  slice(at: number, length: number): Uint8Array;
}

export function bufferBytes(buffer: Uint8Array): ModelBytes {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return {
    length: buffer.byteLength,
    u8: (at) => view.getUint8(at),
    u16: (at) => view.getUint16(at, true),
    i32: (at) => view.getInt32(at, true),
    slice: (at, length) => buffer.subarray(at, at + length),
  };
}

const PAGE = 64 * 1024;

/** Positioned reads of an open file, 64 KiB at a time, each page read once. */
export function fileBytes(fd: number): ModelBytes {
  const length = fs.fstatSync(fd).size;
  const pages = new Map<number, DataView>();
  // The page of the last read: the checker makes tens of thousands of reads, nearly all next to the previous one,
  // and at a process's first model this code runs unoptimized (cold start), so the common case is one compare and
  // one DataView read.
  let current = -1;
  let view: DataView = new DataView(new ArrayBuffer(0));
  const pageAt = (at: number): number => {
    const index = Math.floor(at / PAGE);
    if (index !== current) {
      let page = pages.get(index);
      if (!page) {
        const bytes = Buffer.alloc(Math.min(PAGE, length - index * PAGE));
        fs.readSync(fd, bytes, 0, bytes.length, index * PAGE);
        page = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
        pages.set(index, page);
      }
      current = index;
      view = page;
    }
    return at - index * PAGE;
  };
  const u8 = (at: number): number => {
    const offset = pageAt(at); // first: it may switch `view`
    return view.getUint8(offset);
  };
  const u16 = (at: number): number => {
    const offset = pageAt(at);
    return offset + 2 <= view.byteLength ? view.getUint16(offset, true) : u8(at) | (u8(at + 1) << 8);
  };
  return {
    length,
    u8,
    u16,
    i32: (at) => {
      const offset = pageAt(at);
      return offset + 4 <= view.byteLength ? view.getInt32(offset, true) : u16(at) | (u16(at + 2) << 16);
    },
    slice: (at, n) => {
      const out = new Uint8Array(n);
      for (let k = 0; k < n; k++) out[k] = u8(at + k);
      return out;
    },
  };
}

/** A read outside the model's bytes: the model is malformed there. */
export class OutOfBounds extends Error {
  constructor(readonly at: number, readonly size: number, readonly length: number) {
    super(`offset ${at} (+${size}) is outside its ${length} bytes`);
  }
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Bits = new Int32Array(f64.buffer);
const utf8 = new TextDecoder('utf-8');

/**
 * A `flatbuffers` ByteBuffer over ModelBytes whose every read is bounds-checked (OutOfBounds), and whose offsets
 * are read unsigned where the format says so (the runtime reads vtable sizes and vector lengths signed). The
 * generated `*Array()` accessors, which view the whole buffer directly, are not available: bytes() throws.
 */
export class CheckedByteBuffer extends ByteBuffer {
  readonly length: number;

  constructor(readonly source: ModelBytes) {
    super(new Uint8Array(0));
    this.length = source.length;
  }

  /** Checks [at, at + size) is inside the bytes; returns at. */
  need(at: number, size: number): number {
    if (!(at >= 0 && at + size <= this.length)) throw new OutOfBounds(at, size, this.length);
    return at;
  }

  override bytes(): Uint8Array {
    throw new Error('CheckedByteBuffer: the model is read field by field (no *Array() accessors)');
  }
  override capacity(): number { return this.length; }
  override readUint8(at: number): number { return this.source.u8(this.need(at, 1)); }
  override readInt8(at: number): number { return (this.source.u8(this.need(at, 1)) << 24) >> 24; }
  override readUint16(at: number): number { return this.source.u16(this.need(at, 2)); }
  override readInt16(at: number): number { return (this.source.u16(this.need(at, 2)) << 16) >> 16; }
  override readInt32(at: number): number { return this.source.i32(this.need(at, 4)); }
  override readUint32(at: number): number { return this.source.i32(this.need(at, 4)) >>> 0; }
  override readFloat32(at: number): number {
    f32Bits[0] = this.readInt32(at);
    return f32[0];
  }
  override readFloat64(at: number): number {
    f64Bits[0] = this.readInt32(at); // little-endian hosts only, as the addon
    f64Bits[1] = this.readInt32(at + 4);
    return f64[0];
  }
  override readInt64(at: number): bigint {
    return BigInt.asIntN(64, BigInt(this.readUint32(at)) + (BigInt(this.readUint32(at + 4)) << 32n));
  }
  override readUint64(at: number): bigint {
    return BigInt(this.readUint32(at)) + (BigInt(this.readUint32(at + 4)) << 32n);
  }

  /** The position of a table's field relative to the table, 0 when absent (vtable read unsigned, checked). */
  override __offset(table: number, field: number): number {
    const vtable = table - this.readInt32(table);
    return field < this.readUint16(vtable) ? this.readUint16(vtable + field) : 0;
  }
  override __indirect(at: number): number { return at + this.readUint32(at); }
  override __vector(at: number): number { return at + this.readUint32(at) + 4; }
  /** A vector's length; its elements must fit in the bytes (at least one byte each). */
  override __vector_len(at: number): number {
    const start = at + this.readUint32(at);
    const count = this.readUint32(start);
    this.need(start + 4, count);
    return count;
  }
  override __union(t: { bb: ByteBuffer | null; bb_pos: number }, at: number): any {
    t.bb_pos = at + this.readUint32(at);
    t.bb = this;
    return t;
  }
  /** A string field as UTF-8 (as flatbuffers stores strings), or its bytes. */
  override __string(at: number, encoding?: Encoding): string | Uint8Array {
    const start = at + this.readUint32(at);
    const length = this.readUint32(start);
    const bytes = this.source.slice(this.need(start + 4, length), length);
    return encoding === Encoding.UTF8_BYTES ? bytes : utf8.decode(bytes);
  }
}

/** The root table's position, after checking the 4-byte file identifier when one is given. */
export function rootOf(bb: CheckedByteBuffer, identifier?: string): number {
  bb.need(0, 8);
  if (identifier !== undefined) {
    let id = '';
    for (let k = 0; k < 4; k++) id += String.fromCharCode(bb.readUint8(4 + k));
    if (id !== identifier) throw new WrongIdentifier(id, identifier);
  }
  return bb.readUint32(0);
}

export class WrongIdentifier extends Error {
  constructor(readonly found: string, readonly expected: string) {
    super(`file identifier is '${found}', expected '${expected}'`);
  }
}
