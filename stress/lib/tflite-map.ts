// A minimal, read-only walker over the TFLite flatbuffer schema (tensorflow/lite/schema/schema.fbs, 2.14) that
// records WHERE the fields a structure-aware mutator wants to corrupt live in the file: tensor dims, tensor types,
// tensor / buffer / opcode / subgraph indices, builtin codes, vector lengths, offsets, options, weights bytes.
// Fields are named by the field table generated from the pinned schema (lib/schema/tflite.ts FIELDS) and read
// through the library's bounds-checked byte source (lib/schema/byte-source.ts), both from the built dist/cjs: the
// same reader as lib/metadata.ts. It walks valid fixture models only (the mutator maps the
// original, then corrupts a copy), but stays defensive: anything out of bounds is skipped, never thrown.

import * as path from 'path';
import { DIST } from './runtime';
// Types only: the modules themselves are required at run time from the library's build (the checkout's dist/cjs, or
// $TFLITE_RUNTIME_DIST: stress/lib/runtime.ts), so the tools map models with the library they test.
import type * as TfliteSchema from '../../dist/cjs/schema/tflite';
import type * as ByteSource from '../../dist/cjs/schema/byte-source';

const { FIELDS } = require(path.join(DIST, 'schema', 'tflite')) as typeof TfliteSchema;
const { CheckedByteBuffer, OutOfBounds, bufferBytes } = require(path.join(DIST, 'schema', 'byte-source')) as typeof ByteSource;

/** Where a field a mutator may corrupt lives: `width` bytes at `at`, of kind `kind` (e.g. 'dim', 'offset:tensor'). */
export interface Slot { at: number; width: 1 | 2 | 4 | 8; kind: string }
/** A byte range (weights, custom options) a mutator may corrupt. */
export interface Range { at: number; length: number; kind: string }
export interface Counts { subgraphs: number; tensors: number; operators: number; buffers: number; opcodes: number }
export interface ModelMap {
  slots: Slot[];
  ranges: Range[];
  /** Empty when the root table is unreadable. */
  counts: Partial<Counts>;
}

interface MapTable {
  at: number;
  vtable: number;
  /** The absolute position of the field at vtable offset `f` (FIELDS), or null when absent. */
  field(f: number): number | null;
}
interface MapVector { at: number; length: number; elem(i: number): number }

const { Model, OperatorCode, SubGraph, Tensor, QuantizationParameters, Operator, Buffer: BufferT, Metadata,
  SignatureDef, TensorMap } = FIELDS;

export function mapModel(bytes: Uint8Array): ModelMap {
  const bb = new CheckedByteBuffer(bufferBytes(bytes));
  const slots: Slot[] = [];
  const ranges: Range[] = []; // byte ranges (weights, strings, custom options)
  // a read out of bounds is skipped (null), not thrown
  const checked = <T>(read: (at: number) => T) => (at: number): T | null => {
    try {
      return read(at);
    } catch (error) {
      if (error instanceof OutOfBounds) return null;
      throw error;
    }
  };
  const ok = (at: number, n: number): boolean => Number.isInteger(at) && checked((p) => bb.need(p, n))(at) !== null;
  const u32 = checked((at) => bb.readUint32(at));
  const i32 = checked((at) => bb.readInt32(at));
  const u16 = checked((at) => bb.readUint16(at));
  const seen = new Set<number>();

  // A table at `t`: returns field(f) -> absolute position of the field at vtable offset f (FIELDS), or null.
  function table(t: number): MapTable | null {
    const soff = i32(t);
    if (soff === null) return null;
    const vt = t - soff;
    const vsize = u16(vt);
    if (vsize === null || vsize < 4) return null;
    const count = (vsize - 4) >> 1;
    // each present field's vtable entry: zeroing it removes the field, which the verifier always allows
    for (let i = 0; i < count; i++) {
      if (u16(vt + 4 + 2 * i)) slots.push({ at: vt + 4 + 2 * i, width: 2, kind: 'vfield' });
    }
    return {
      at: t,
      vtable: vt,
      field(f: number): number | null {
        if ((f - 4) >> 1 >= count) return null;
        const off = u16(vt + f);
        return off ? t + off : null;
      },
    };
  }
  // Follows the uoffset stored at `at`, recording it as an 'offset' slot.
  function deref(at: number, kind: string): number | null {
    const rel = u32(at);
    if (rel === null) return null;
    slots.push({ at, width: 4, kind: `offset:${kind}` });
    const target = at + rel;
    return ok(target, 4) ? target : null;
  }
  function vector(at: number, kind: string): MapVector | null {
    const v = deref(at, kind);
    if (v === null) return null;
    const n = u32(v);
    if (n === null || !ok(v + 4, 0)) return null;
    slots.push({ at: v, width: 4, kind: `veclen:${kind}` });
    return { at: v, length: n, elem: (i: number) => v + 4 + i * 4 };
  }
  function intVector(tbl: MapTable | null, field: number, kind: string): void {
    const f = tbl && tbl.field(field);
    if (f === null || !tbl) return;
    const v = vector(f, kind);
    if (!v) return;
    for (let i = 0; i < v.length && ok(v.elem(i), 4); i++) slots.push({ at: v.elem(i), width: 4, kind });
  }
  function scalar(tbl: MapTable | null, field: number, width: Slot['width'], kind: string): void {
    const f = tbl && tbl.field(field);
    if (f !== null && tbl && ok(f, width)) slots.push({ at: f, width, kind });
  }
  function byteVector(tbl: MapTable | null, field: number, kind: string): void {
    const f = tbl && tbl.field(field);
    if (f === null || !tbl) return;
    const v = vector(f, kind);
    if (v && ok(v.at + 4, v.length)) ranges.push({ at: v.at + 4, length: v.length, kind });
  }
  function tables(tbl: MapTable | null, field: number, kind: string, each: (sub: MapTable, i: number) => void): void {
    const f = tbl && tbl.field(field);
    if (f === null || !tbl) return;
    const v = vector(f, kind);
    if (!v) return;
    for (let i = 0; i < v.length && ok(v.elem(i), 4); i++) {
      const t = deref(v.elem(i), kind);
      if (t === null || seen.has(t)) continue;
      seen.add(t);
      const sub = table(t);
      if (sub) each(sub, i);
    }
  }
  // Every field of an options table we know nothing about: its bytes, as 1-byte slots on each field start.
  function opaqueTable(t: number, kind: string): void {
    const tbl = table(t);
    if (!tbl) return;
    for (let i = 0; i < 32; i++) {
      const f = tbl.field(4 + 2 * i);
      if (f !== null && ok(f, 1)) slots.push({ at: f, width: ok(f, 4) && (f - tbl.at) % 4 === 0 ? 4 : 1, kind });
    }
  }

  const root = u32(0);
  const model = root !== null ? table(root) : null;
  if (!model) return { slots, ranges, counts: {} };
  const counts: Counts = { subgraphs: 0, tensors: 0, operators: 0, buffers: 0, opcodes: 0 };

  scalar(model, Model.version, 4, 'version');
  tables(model, Model.operatorCodes, 'opcode', (oc) => {
    counts.opcodes++;
    scalar(oc, OperatorCode.deprecatedBuiltinCode, 1, 'builtin_code8');
    scalar(oc, OperatorCode.version, 4, 'op_version');
    scalar(oc, OperatorCode.builtinCode, 4, 'builtin_code');
  });
  tables(model, Model.subgraphs, 'subgraph', (sg) => {
    counts.subgraphs++;
    tables(sg, SubGraph.tensors, 'tensor', (tensor) => {
      counts.tensors++;
      intVector(tensor, Tensor.shape, 'dim');
      scalar(tensor, Tensor.type, 1, 'tensor_type');
      scalar(tensor, Tensor.buffer, 4, 'buffer_index');
      scalar(tensor, Tensor.isVariable, 1, 'is_variable');
      intVector(tensor, Tensor.shapeSignature, 'dim_signature');
      scalar(tensor, Tensor.hasRank, 1, 'has_rank');
      const qf = tensor.field(Tensor.quantization);
      const qt = qf !== null ? deref(qf, 'quantization') : null;
      const q = qt !== null ? table(qt) : null;
      if (q) {
        intVector(q, QuantizationParameters.scale, 'quant_scale');       // float bits; mutated as ints (NaN, inf, 0, denormals)
        const zp = q.field(QuantizationParameters.zeroPoint);
        if (zp !== null) {
          const v = vector(zp, 'quant_zero_point');
          for (let i = 0; v && i < v.length; i++) {
            if (ok(v.at + 4 + 8 * i, 8)) slots.push({ at: v.at + 4 + 8 * i, width: 8, kind: 'quant_zero_point' });
          }
        }
        scalar(q, QuantizationParameters.quantizedDimension, 4, 'quant_dimension');
      }
    });
    intVector(sg, SubGraph.inputs, 'subgraph_io');
    intVector(sg, SubGraph.outputs, 'subgraph_io');
    tables(sg, SubGraph.operators, 'operator', (op) => {
      counts.operators++;
      scalar(op, Operator.opcodeIndex, 4, 'opcode_index');
      intVector(op, Operator.inputs, 'op_tensor');
      intVector(op, Operator.outputs, 'op_tensor');
      scalar(op, Operator.builtinOptionsType, 1, 'options_type');
      const of = op.field(Operator.builtinOptions);
      const ot = of !== null ? deref(of, 'options') : null;
      if (ot !== null) opaqueTable(ot, 'option');
      byteVector(op, Operator.customOptions, 'custom_options');
      intVector(op, Operator.intermediates, 'op_tensor');
    });
  });
  tables(model, Model.buffers, 'buffer', (buffer) => {
    counts.buffers++;
    byteVector(buffer, BufferT.data, 'weights');
    scalar(buffer, BufferT.offset, 8, 'buffer_offset');
    scalar(buffer, BufferT.size, 8, 'buffer_size');
  });
  tables(model, Model.metadata, 'metadata', (meta) => scalar(meta, Metadata.buffer, 4, 'buffer_index'));
  tables(model, Model.signatureDefs, 'signature', (sig) => {
    const io = (tm: MapTable): void => scalar(tm, TensorMap.tensorIndex, 4, 'signature_tensor');
    tables(sig, SignatureDef.inputs, 'signature_io', io);
    tables(sig, SignatureDef.outputs, 'signature_io', io);
    scalar(sig, SignatureDef.subgraphIndex, 4, 'subgraph_index');
  });
  return { slots, ranges, counts };
}
