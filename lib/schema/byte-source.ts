/**
 * The one bounds-checked byte source the library's model readers in JavaScript go through (lib/metadata.ts;
 * stress/lib/tflite-map.ts, which maps valid fixtures for the fuzzer, shares their field table and skips what is out
 * of bounds instead of throwing): a model in memory under CheckedByteBuffer, whose every read checks its bounds, and
 * Table, a table's fields by the vtable offsets generated from TFLite's schema (lib/schema/tflite.ts FIELDS). (The
 * graph checks, which read a model TFLite has verified, run in the addon: lib/model-check.ts.)
 *
 * Why not flatc's generated accessor classes over the `flatbuffers` runtime: that runtime trusts its input (its
 * ByteBuffer indexes a Uint8Array without checks: an out-of-range read gives undefined, then NaN offsets, then a
 * TypeError or a silently wrong answer), reads vtable sizes and vector lengths signed, looks a field up in the
 * vtable again for every vector element, and the classes are 80 KB of code a process parses at load (measured with
 * callgrind when the graph checks were JavaScript). The reads here use flatc's names (__offset, __indirect,
 * __vector, __vector_len, __string), so the two can be compared line for line.
 * A hostile model ends in one typed error, OutOfBounds, which each reader turns into its verdict.
 */
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

/** A read outside the model's bytes: the model is malformed there. */
export class OutOfBounds extends Error {
  constructor(readonly at: number, readonly size: number, readonly length: number) {
    super(`offset ${at} (+${size}) is outside its ${length} bytes`);
  }
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);
const utf8 = new TextDecoder('utf-8');

/**
 * Reads of ModelBytes, each bounds-checked (OutOfBounds), with the flatbuffers runtime's names and semantics except
 * that offsets, vtable sizes and vector lengths are unsigned, as the format (and TFLite's C++ reader) has them.
 */
export class CheckedByteBuffer {
  readonly length: number;

  constructor(readonly source: ModelBytes) {
    this.length = source.length;
  }

  /** Checks [at, at + size) is inside the bytes; returns at. */
  need(at: number, size: number): number {
    if (!(at >= 0 && at + size <= this.length)) throw new OutOfBounds(at, size, this.length);
    return at;
  }

  readUint8(at: number): number { return this.source.u8(this.need(at, 1)); }
  readInt8(at: number): number { return (this.source.u8(this.need(at, 1)) << 24) >> 24; }
  readUint16(at: number): number { return this.source.u16(this.need(at, 2)); }
  readInt32(at: number): number { return this.source.i32(this.need(at, 4)); }
  readUint32(at: number): number { return this.source.i32(this.need(at, 4)) >>> 0; }
  readFloat32(at: number): number {
    f32Bits[0] = this.readInt32(at);
    return f32[0];
  }
  /** An unsigned 64-bit field as a number; past 2^53 it is not exact, and callers compare it with their bytes. */
  readUint64(at: number): number {
    return this.readUint32(at) + this.readUint32(at + 4) * 0x100000000;
  }

  /** The position of a table's field relative to the table, 0 when absent. */
  __offset(table: number, field: number): number {
    const vtable = table - this.readInt32(table);
    return field < this.readUint16(vtable) ? this.readUint16(vtable + field) : 0;
  }
  __indirect(at: number): number { return at + this.readUint32(at); }
  /** The first element of the vector whose offset is at `at`. */
  __vector(at: number): number { return at + this.readUint32(at) + 4; }
  /** A vector's length; its elements must fit in the bytes (at least one byte each). */
  __vector_len(at: number): number {
    const start = at + this.readUint32(at);
    const count = this.readUint32(start);
    this.need(start + 4, count);
    return count;
  }
  /** The string whose offset is at `at`, as UTF-8 (as flatbuffers stores strings). */
  __string(at: number): string {
    return utf8.decode(this.__bytes(at));
  }
  /** The bytes of the string or byte vector whose offset is at `at`. */
  __bytes(at: number): Uint8Array {
    const start = at + this.readUint32(at);
    const length = this.readUint32(start);
    return this.source.slice(this.need(start + 4, length), length);
  }
}

/**
 * One table: its fields by vtable offset (lib/schema/tflite.ts FIELDS.<Table>.<field>). The vtable's extent is
 * checked once, where the table is found; a model has thousands of tables, and the first model of a process is
 * checked by unoptimized code (cold start), where every read counts.
 */
export class Table {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(readonly bb: CheckedByteBuffer, readonly at: number) {
    this.vtable = at - bb.readInt32(at);
    this.vtableSize = bb.readUint16(this.vtable);
    bb.need(this.vtable, this.vtableSize + (this.vtableSize & 1));
  }

  /** The position of the field, or 0 when absent. */
  field(field: number): number {
    if (field >= this.vtableSize) return 0;
    const offset = this.bb.source.u16(this.vtable + field);
    return offset === 0 ? 0 : this.at + offset;
  }

  has(field: number): boolean { return this.field(field) !== 0; }
  int8(field: number, fallback = 0): number { const f = this.field(field); return f === 0 ? fallback : this.bb.readInt8(f); }
  uint8(field: number, fallback = 0): number { const f = this.field(field); return f === 0 ? fallback : this.bb.readUint8(f); }
  int32(field: number, fallback = 0): number { const f = this.field(field); return f === 0 ? fallback : this.bb.readInt32(f); }
  uint32(field: number, fallback = 0): number { const f = this.field(field); return f === 0 ? fallback : this.bb.readUint32(f); }
  uint64(field: number): number { const f = this.field(field); return f === 0 ? 0 : this.bb.readUint64(f); }
  /** A table field, or null when absent. */
  table(field: number): Table | null {
    const f = this.field(field);
    return f === 0 ? null : new Table(this.bb, this.bb.__indirect(f));
  }
  string(field: number): string | null {
    const f = this.field(field);
    return f === 0 ? null : this.bb.__string(f);
  }
  /** A string field's bytes (names compared as TFLite compares them), or null when absent. */
  bytes(field: number): Uint8Array | null {
    const f = this.field(field);
    return f === 0 ? null : this.bb.__bytes(f);
  }
  /** A vector field: [first element, length], its elements (of `size` bytes) checked in bounds; [0, 0] when absent. */
  vector(field: number, size: number): [number, number] {
    const f = this.field(field);
    if (f === 0) return [0, 0];
    const start = this.bb.__indirect(f);
    const count = this.bb.readUint32(start);
    this.bb.need(start + 4, size * count);
    return [start + 4, count];
  }
  /** An int vector field ([] when absent). */
  ints(field: number): number[] {
    const [first, count] = this.vector(field, 4);
    const out = new Array<number>(count);
    for (let k = 0; k < count; k++) out[k] = this.bb.source.i32(first + 4 * k);
    return out;
  }
  floats(field: number): number[] {
    const [first, count] = this.vector(field, 4);
    const out = new Array<number>(count);
    for (let k = 0; k < count; k++) out[k] = this.bb.readFloat32(first + 4 * k);
    return out;
  }
  /** A vector of tables ([] when absent). */
  tables(field: number): Table[] {
    const [first, count] = this.vector(field, 4);
    const out = new Array<Table>(count);
    for (let k = 0; k < count; k++) out[k] = new Table(this.bb, this.bb.__indirect(first + 4 * k));
    return out;
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
