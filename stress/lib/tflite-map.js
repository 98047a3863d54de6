'use strict';
// A minimal, read-only walker over the TFLite flatbuffer schema (tensorflow/lite/schema/schema.fbs, 2.14) that
// records WHERE the fields a structure-aware mutator wants to corrupt live in the file: tensor dims, tensor types,
// tensor / buffer / opcode / subgraph indices, builtin codes, vector lengths, offsets, options, weights bytes.
// It walks valid fixture models only (the mutator maps the original, then corrupts a copy), but stays defensive:
// anything out of bounds is skipped, never thrown.

/** @typedef {{ at: number, width: 1|2|4|8, kind: string }} Slot */

function mapModel(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  /** @type {Slot[]} */
  const slots = [];
  const ranges = []; // { at, length, kind } byte ranges (weights, strings, custom options)
  const ok = (at, n) => Number.isInteger(at) && at >= 0 && at + n <= len;
  const u32 = (at) => (ok(at, 4) ? view.getUint32(at, true) : null);
  const i32 = (at) => (ok(at, 4) ? view.getInt32(at, true) : null);
  const u16 = (at) => (ok(at, 2) ? view.getUint16(at, true) : null);
  const seen = new Set();

  // A table at `t`: returns field(i) -> absolute position of field i, or null when absent.
  function table(t) {
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
      field(i) {
        if (i >= count) return null;
        const off = u16(vt + 4 + 2 * i);
        return off ? t + off : null;
      },
    };
  }
  // Follows the uoffset stored at `at`, recording it as an 'offset' slot.
  function deref(at, kind) {
    const rel = u32(at);
    if (rel === null) return null;
    slots.push({ at, width: 4, kind: `offset:${kind}` });
    const target = at + rel;
    return ok(target, 4) ? target : null;
  }
  function vector(at, kind) {
    const v = deref(at, kind);
    if (v === null) return null;
    const n = u32(v);
    if (n === null || !ok(v + 4, 0)) return null;
    slots.push({ at: v, width: 4, kind: `veclen:${kind}` });
    return { at: v, length: n, elem: (i) => v + 4 + i * 4 };
  }
  function intVector(tbl, field, kind) {
    const f = tbl && tbl.field(field);
    if (f === null || !tbl) return;
    const v = vector(f, kind);
    if (!v) return;
    for (let i = 0; i < v.length && ok(v.elem(i), 4); i++) slots.push({ at: v.elem(i), width: 4, kind });
  }
  function scalar(tbl, field, width, kind) {
    const f = tbl && tbl.field(field);
    if (f !== null && tbl && ok(f, width)) slots.push({ at: f, width, kind });
  }
  function byteVector(tbl, field, kind) {
    const f = tbl && tbl.field(field);
    if (f === null || !tbl) return;
    const v = vector(f, kind);
    if (v && ok(v.at + 4, v.length)) ranges.push({ at: v.at + 4, length: v.length, kind });
  }
  function tables(tbl, field, kind, each) {
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
  function opaqueTable(t, kind) {
    const tbl = table(t);
    if (!tbl) return;
    for (let i = 0; i < 32; i++) {
      const f = tbl.field(i);
      if (f !== null && ok(f, 1)) slots.push({ at: f, width: ok(f, 4) && (f - tbl.at) % 4 === 0 ? 4 : 1, kind });
    }
  }

  const root = u32(0);
  const model = root !== null ? table(root) : null;
  if (!model) return { slots, ranges, counts: {} };
  const counts = { subgraphs: 0, tensors: 0, operators: 0, buffers: 0, opcodes: 0 };

  scalar(model, 0, 4, 'version');
  tables(model, 1, 'opcode', (oc) => {
    counts.opcodes++;
    scalar(oc, 0, 1, 'builtin_code8');
    scalar(oc, 2, 4, 'op_version');
    scalar(oc, 3, 4, 'builtin_code');
  });
  tables(model, 2, 'subgraph', (sg) => {
    counts.subgraphs++;
    tables(sg, 0, 'tensor', (tensor) => {
      counts.tensors++;
      intVector(tensor, 0, 'dim');
      scalar(tensor, 1, 1, 'tensor_type');
      scalar(tensor, 2, 4, 'buffer_index');
      scalar(tensor, 5, 1, 'is_variable');
      intVector(tensor, 7, 'dim_signature');
      scalar(tensor, 8, 1, 'has_rank');
      const qf = tensor.field(4);
      const qt = qf !== null ? deref(qf, 'quantization') : null;
      const q = qt !== null ? table(qt) : null;
      if (q) {
        intVector(q, 2, 'quant_scale');       // float bits; mutated as ints (NaN, inf, 0, denormals)
        const zp = q.field(3);
        if (zp !== null) {
          const v = vector(zp, 'quant_zero_point');
          for (let i = 0; v && i < v.length; i++) {
            if (ok(v.at + 4 + 8 * i, 8)) slots.push({ at: v.at + 4 + 8 * i, width: 8, kind: 'quant_zero_point' });
          }
        }
        scalar(q, 6, 4, 'quant_dimension');
      }
    });
    intVector(sg, 1, 'subgraph_io');
    intVector(sg, 2, 'subgraph_io');
    tables(sg, 3, 'operator', (op) => {
      counts.operators++;
      scalar(op, 0, 4, 'opcode_index');
      intVector(op, 1, 'op_tensor');
      intVector(op, 2, 'op_tensor');
      scalar(op, 3, 1, 'options_type');
      const of = op.field(4);
      const ot = of !== null ? deref(of, 'options') : null;
      if (ot !== null) opaqueTable(ot, 'option');
      byteVector(op, 5, 'custom_options');
      intVector(op, 8, 'op_tensor');
    });
  });
  tables(model, 4, 'buffer', (buffer) => {
    counts.buffers++;
    byteVector(buffer, 0, 'weights');
    scalar(buffer, 1, 8, 'buffer_offset');
    scalar(buffer, 2, 8, 'buffer_size');
  });
  tables(model, 6, 'metadata', (meta) => scalar(meta, 1, 4, 'buffer_index'));
  tables(model, 7, 'signature', (sig) => {
    const io = (tm) => scalar(tm, 1, 4, 'signature_tensor');
    tables(sig, 0, 'signature_io', io);
    tables(sig, 1, 'signature_io', io);
    scalar(sig, 4, 4, 'subgraph_index');
  });
  return { slots, ranges, counts };
}

module.exports = { mapModel };
