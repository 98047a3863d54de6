// Deterministic model mutator: mutant(seed, index) always yields the same bytes. Byte-level strategies (bit flips,
// byte sets, truncation, splices, random bytes) mostly exercise the flatbuffer verifier; structure-aware ones
// (dims, tensor indices, op codes, types, buffer indices, offsets, options, quantization, weights) keep the file
// well-formed so that TFLite's own checks after the verifier (InterpreterBuilder, Prepare, Eval) are exercised.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './runtime';
import { mapModel } from './tflite-map';
import type { ModelMap, Slot } from './tflite-map';

// Seeds: every fixture model, plus a few converter outputs with ops the fixtures lack (stress/seeds/make_seeds.py).
// From the package root, not __dirname: this module runs from the source tree (ts-jest) and from dist-tools/.
const SEED_DIRS = [path.join(ROOT, 'test', 'fixtures'), path.join(ROOT, 'stress', 'seeds')];

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
}

/** A seed model: its file name, bytes and map (tflite-map.ts). */
export interface Base { file: string; bytes: Buffer; map: ModelMap }

export interface Mutant {
  bytes: Buffer;
  /** The fixture or seed it was made from. */
  base: string;
  strategies: string[];
  notes: string[];
}

/** Small, fast PRNG (mulberry32) seeded from (seed, index) through a 32-bit mix. */
export function rng(seed: number, index: number): Rng {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  let a = h || 1;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}

const INTERESTING_32 = [
  0, 1, -1, 2, 3, 4, 5, 7, 8, 16, 17, 31, 32, 63, 64, 100, 127, 128, 255, 256, 1000, 1024, 4096, 32767, 32768, 46341,
  65535, 65536, 1 << 20, 1 << 24, 0x3fffffff, 0x40000000, 0x7ffffffe, 0x7fffffff, -0x80000000, -2, -128, -129,
  -32768, -65536,
];
const INTERESTING_8 = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff, 0x10, 0x20, 0x40, 9, 13, 17, 18, 19, 20];
// Float bit patterns for scales: 0, -0, 1, -1, NaN, +inf, -inf, smallest denormal, max float, 1e-30, 1e30.
const INTERESTING_F32 = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7fc00000, 0x7f800000, 0xff800000,
  0x00000001, 0x7f7fffff, 0x0da24260, 0x7149f2ca];

let baseCache: Base[] | null = null;
/** Every seed model (test/fixtures/, then stress/seeds/, each sorted by name), mapped once. */
export function bases(): Base[] {
  if (baseCache) return baseCache;
  baseCache = [];
  for (const dir of SEED_DIRS) {
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.tflite')).sort()) {
      const bytes = fs.readFileSync(path.join(dir, file));
      baseCache.push({ file, bytes, map: mapModel(bytes) });
    }
  }
  return baseCache;
}

function write(buf: Buffer, slot: Slot, value: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (slot.at + slot.width > buf.length) return;
  switch (slot.width) {
    case 1: dv.setUint8(slot.at, value & 0xff); break;
    case 2: dv.setUint16(slot.at, value & 0xffff, true); break;
    case 4: dv.setInt32(slot.at, value | 0, true); break;
    case 8: dv.setBigInt64(slot.at, BigInt.asIntN(64, BigInt(Math.trunc(value))), true); break;
    default: break;
  }
}
function read(buf: Buffer, slot: Slot): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (slot.width) {
    case 1: return dv.getUint8(slot.at);
    case 2: return dv.getUint16(slot.at, true);
    case 4: return dv.getInt32(slot.at, true);
    default: return Number(dv.getBigInt64(slot.at, true));
  }
}

function slotsOf(base: Base, ...prefixes: string[]): Slot[] {
  return base.map.slots.filter((s) => prefixes.some((p) => s.kind === p || s.kind.startsWith(`${p}:`)));
}

/** A plausible-but-wrong int for a slot: interesting constants, off-by-one, scaled, small random. */
function intFor(r: Rng, old: number, limit: number | undefined): number {
  switch (r.int(6)) {
    case 0: return r.pick(INTERESTING_32);
    case 1: return old + r.pick([-2, -1, 1, 2]);
    case 2: return limit !== undefined ? limit + r.int(3) : r.int(8); // just past the end of a table
    case 3: return r.int(limit !== undefined ? limit + 4 : 300);
    case 4: return old * r.pick([2, 16, 1024, -1]);
    default: return (r.next() * 0x100000000) | 0;
  }
}

/**
 * What a strategy did: a description (`buf` mutated in place), a new buffer and its description, or null when the
 * base has nothing of the kind.
 */
export type StrategyResult = string | { bytes: Buffer; note: string } | null;
export type Strategy = (r: Rng, buf: Buffer, base: Base) => StrategyResult;

// Each strategy mutates `buf` (a copy of base.bytes) in place, or returns a new buffer; returns a description.
export const STRATEGIES = {
  bitflip(r: Rng, buf: Buffer): StrategyResult {
    const n = 1 + r.int(8);
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      const byte = r.int(buf.length);
      buf[byte] ^= 1 << r.int(8);
      at.push(byte);
    }
    return `flip bits at ${at.join(',')}`;
  },
  bytes(r: Rng, buf: Buffer): StrategyResult {
    const n = 1 + r.int(4);
    for (let i = 0; i < n; i++) buf[r.int(buf.length)] = r.chance(0.7) ? r.pick(INTERESTING_8) : r.int(256);
    return `set ${n} bytes`;
  },
  truncate(r: Rng, buf: Buffer): StrategyResult {
    const keep = r.chance(0.3) ? r.int(64) : r.int(buf.length);
    return { bytes: buf.subarray(0, keep), note: `truncate to ${keep} of ${buf.length}` };
  },
  splice(r: Rng, buf: Buffer): StrategyResult {
    const other = r.pick(bases()).bytes;
    if (r.chance(0.5)) {
      const cut = r.int(buf.length);
      const from = r.int(other.length);
      return { bytes: Buffer.concat([buf.subarray(0, cut), other.subarray(from)]), note: `splice head ${cut} + tail@${from}` };
    }
    const len = 1 + r.int(Math.min(256, other.length));
    const from = r.int(other.length - len + 1);
    const to = r.int(Math.max(1, buf.length - len + 1));
    other.copy(buf, to, from, from + len);
    return `overwrite ${len} bytes at ${to} from another model`;
  },
  random(r: Rng): StrategyResult {
    const len = r.chance(0.2) ? r.int(16) : 8 + r.int(4096);
    const bytes = Buffer.alloc(len);
    for (let i = 0; i < len; i++) bytes[i] = r.int(256);
    if (len >= 8 && r.chance(0.7)) {
      bytes.writeUInt32LE(r.chance(0.5) ? 16 + r.int(len) : r.int(len), 0);
      bytes.write('TFL3', 4, 'latin1');
    }
    return { bytes, note: `random ${len} bytes` };
  },
  dims(r: Rng, buf: Buffer, base: Base): StrategyResult {
    const slots = slotsOf(base, 'dim', 'dim_signature');
    if (!slots.length) return null;
    const n = 1 + r.int(2);
    const notes: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = r.pick(slots);
      const v = r.pick([r.pick(INTERESTING_32), r.pick([0, -1, -2, 0x7fffffff, 0x40000000, 65536, 46341, 1 << 20]),
        read(buf, s) * r.pick([2, 1000, 100000]), r.int(10)]);
      write(buf, s, v);
      notes.push(`${s.kind}@${s.at}=${v | 0}`);
    }
    return notes.join(' ');
  },
  tensorIndex(r: Rng, buf: Buffer, base: Base): StrategyResult {
    const slots = slotsOf(base, 'op_tensor', 'subgraph_io', 'signature_tensor');
    if (!slots.length) return null;
    const s = r.pick(slots);
    const v = r.chance(0.3) ? -1 : intFor(r, read(buf, s), base.map.counts.tensors);
    write(buf, s, v);
    return `${s.kind}@${s.at}=${v | 0}`;
  },
  opcode(r: Rng, buf: Buffer, base: Base): StrategyResult {
    const slots = slotsOf(base, 'builtin_code', 'builtin_code8', 'opcode_index', 'op_version');
    if (!slots.length) return null;
    const notes: string[] = [];
    for (let i = 0, n = 1 + r.int(2); i < n; i++) {
      const s = r.pick(slots);
      let v: number;
      if (s.kind === 'builtin_code' || s.kind === 'builtin_code8') v = r.chance(0.9) ? r.int(162) : r.pick(INTERESTING_32);
      else if (s.kind === 'op_version') v = r.chance(0.7) ? 1 + r.int(12) : r.pick(INTERESTING_32);
      else v = intFor(r, read(buf, s), base.map.counts.opcodes);
      write(buf, s, v);
      // the int32 builtin_code wins over the deprecated byte when larger: change both together sometimes
      if (s.kind === 'builtin_code' && v < 127 && r.chance(0.5)) {
        const twin = slotsOf(base, 'builtin_code8').find((t) => Math.abs(t.at - s.at) < 16);
        if (twin) write(buf, twin, v);
      }
      notes.push(`${s.kind}@${s.at}=${v | 0}`);
    }
    return notes.join(' ');
  },
  type(r: Rng, buf: Buffer, base: Base): StrategyResult {
    const slots = slotsOf(base, 'tensor_type', 'is_variable', 'has_rank');
    if (!slots.length) return null;
    const s = r.pick(slots);
    const v = s.kind === 'tensor_type' ? (r.chance(0.8) ? r.int(19) : r.pick(INTERESTING_8)) : r.int(3);
    write(buf, s, v);
    return `${s.kind}@${s.at}=${v}`;
  },
  buffer(r: Rng, buf: Buffer, base: Base): StrategyResult {
    const weights = base.map.ranges.filter((g) => g.kind === 'weights' && g.length > 0);
    if (weights.length && r.chance(0.5)) {
      // constant tensors (shapes, axes, indices, weights): corrupt as int32s or bytes
      const g = r.pick(weights);
      const n = 1 + r.int(3);
      for (let i = 0; i < n; i++) {
        if (g.length >= 4 && r.chance(0.7)) {
          const at = g.at + 4 * r.int(Math.floor(g.length / 4));
          buf.writeInt32LE(r.pick(INTERESTING_32) | 0, at);
        } else {
          buf[g.at + r.int(g.length)] = r.pick(INTERESTING_8);
        }
      }
      return `weights@${g.at} (${g.length} bytes) x${n}`;
    }
    const slots = slotsOf(base, 'buffer_index', 'buffer_offset', 'buffer_size', 'veclen:weights');
    if (!slots.length) return null;
    const s = r.pick(slots);
    const v = s.kind.startsWith('veclen') ? read(buf, s) + r.pick([-4, -1, 1, 4, 1 << 20])
      : intFor(r, read(buf, s), base.map.counts.buffers);
    write(buf, s, v);
    return `${s.kind}@${s.at}=${v}`;
  },
  offsets(r: Rng, buf: Buffer, base: Base): StrategyResult {
    const slots = slotsOf(base, 'offset', 'veclen');
    if (!slots.length) return null;
    const s = r.pick(slots);
    const old = read(buf, s);
    const v = r.pick([old + r.pick([-8, -4, -1, 1, 4, 8]), r.pick(INTERESTING_32), r.int(buf.length),
      buf.length - s.at + r.int(8), old * 2]);
    write(buf, s, v);
    return `${s.kind}@${s.at}=${v | 0}`;
  },
  options(r: Rng, buf: Buffer, base: Base): StrategyResult {
    const slots = slotsOf(base, 'option', 'options_type', 'subgraph_index', 'quant_dimension', 'version');
    if (!slots.length) return null;
    const s = r.pick(slots);
    const v = s.width === 1 ? r.pick(INTERESTING_8) : intFor(r, read(buf, s), base.map.counts.subgraphs);
    write(buf, s, v);
    return `${s.kind}@${s.at}=${v | 0}`;
  },
  dropField(r: Rng, buf: Buffer, base: Base): StrategyResult {
    // Remove a field (zero its vtable entry): optional tables and vectors go missing in well-formed files.
    const slots = slotsOf(base, 'vfield');
    if (!slots.length) return null;
    const n = 1 + r.int(2);
    const notes: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = r.pick(slots);
      write(buf, s, 0);
      notes.push(`vfield@${s.at}`);
    }
    return `drop ${notes.join(' ')}`;
  },
  quant(r: Rng, buf: Buffer, base: Base): StrategyResult {
    const slots = slotsOf(base, 'quant_scale', 'quant_zero_point', 'quant_dimension', 'veclen:quant_scale',
      'veclen:quant_zero_point');
    if (!slots.length) return null;
    const s = r.pick(slots);
    let v: number;
    if (s.kind === 'quant_scale') v = r.pick(INTERESTING_F32);
    else if (s.kind.startsWith('veclen')) v = read(buf, s) + r.pick([-1, 1, 2, 100]);
    else v = r.pick(INTERESTING_32);
    write(buf, s, v);
    return `${s.kind}@${s.at}=${v | 0}`;
  },
} satisfies Record<string, Strategy>;
type StrategyName = keyof typeof STRATEGIES;

// Weighted choice: structure-aware strategies dominate, since byte noise mostly stops at the verifier.
const WEIGHTS: [StrategyName, number][] = [
  ['bitflip', 8], ['bytes', 7], ['truncate', 5], ['splice', 5], ['random', 3], ['dims', 15], ['tensorIndex', 11],
  ['opcode', 12], ['type', 8], ['buffer', 8], ['offsets', 6], ['options', 7], ['quant', 5], ['dropField', 6],
];
const TOTAL = WEIGHTS.reduce((a, [, w]) => a + w, 0);
function pickStrategy(r: Rng): StrategyName {
  let x = r.int(TOTAL);
  for (const [name, w] of WEIGHTS) {
    if (x < w) return name;
    x -= w;
  }
  return 'bitflip';
}

/** The mutant number `index` of campaign `seed`: { bytes, base, strategies, notes }. */
export function mutant(seed: number, index: number): Mutant {
  const r = rng(seed, index);
  const all = bases();
  const base = all[r.int(all.length)];
  let bytes = Buffer.from(base.bytes);
  const strategies: string[] = [];
  const notes: string[] = [];
  const rounds = r.chance(0.25) ? 2 + r.int(2) : 1;
  for (let round = 0; round < rounds; round++) {
    let name = pickStrategy(r);
    // byte-level strategies that replace the whole buffer break the base's map: keep them for the last round
    if (round < rounds - 1 && ['truncate', 'splice', 'random'].includes(name)) name = 'dims';
    let result: StrategyResult = (STRATEGIES[name] as Strategy)(r, bytes, base);
    if (result === null) {
      name = 'bitflip';
      result = STRATEGIES.bitflip(r, bytes);
    }
    if (typeof result === 'object' && result !== null) {
      bytes = Buffer.from(result.bytes);
      result = result.note;
    }
    strategies.push(name);
    notes.push(result as string);
    if (['truncate', 'splice', 'random'].includes(name)) break;
  }
  // Every mutant sits at an 8-aligned offset of its own ArrayBuffer, so what TFLite sees is exactly these bytes.
  const aligned = Buffer.alloc(bytes.length);
  bytes.copy(aligned);
  return { bytes: aligned, base: base.file, strategies, notes };
}
