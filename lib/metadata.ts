/**
 * Model metadata without an interpreter: the entries of the model flatbuffer's `metadata` table, TFLite Support's
 * ModelMetadata (the `TFLITE_METADATA` entry, schema tensorflow_lite_support/metadata/metadata_schema.fbs) and the
 * associated files (labels.txt, vocab.txt, ...) that TFLite Support's MetadataPopulator zips onto the end of the
 * model file. The model's own tables are read by the field table generated from TFLite's schema (lib/schema/tflite.ts)
 * over the bounds-checked byte source (lib/schema/byte-source.ts). TFLite
 * Support's metadata_schema.fbs is not in the pinned TensorFlow 2.14.1 source (it moved to tflite-support), so the
 * ModelMetadata entry is read field by field here, through the same checked source; only the fields read are
 * decoded. Strings are UTF-8.
 */
import * as zlib from 'zlib';
import { argumentError, describeValue } from './arguments';
import { TfLiteError } from './errors';
import { modelBytesSync } from './model-source';
import { CheckedByteBuffer, OutOfBounds, Table, WrongIdentifier, bufferBytes as byteSource, rootOf }
  from './schema/byte-source';
import { FIELDS } from './schema/tflite';

export type AssociatedFileType =
  | 'UNKNOWN' | 'DESCRIPTIONS' | 'TENSOR_AXIS_LABELS' | 'TENSOR_VALUE_LABELS' | 'TENSOR_AXIS_SCORE_CALIBRATION'
  | 'VOCABULARY' | 'SCANN_INDEX_FILE';

const FILE_TYPES: AssociatedFileType[] = ['UNKNOWN', 'DESCRIPTIONS', 'TENSOR_AXIS_LABELS', 'TENSOR_VALUE_LABELS',
  'TENSOR_AXIS_SCORE_CALIBRATION', 'VOCABULARY', 'SCANN_INDEX_FILE'];

export interface AssociatedFile {
  /** The file's name inside the zip appended to the model. */
  name: string;
  description: string | null;
  type: AssociatedFileType;
  locale: string | null;
}

/** Input normalisation the model expects: (value - mean) / std, per channel (one value: every channel). */
export interface NormalizationOptions {
  mean: number[];
  std: number[];
}

export interface TensorMetadata {
  name: string | null;
  description: string | null;
  normalization: NormalizationOptions | null;
  associatedFiles: AssociatedFile[];
}

/** TFLite Support's ModelMetadata (subgraph 0's tensors). */
export interface TfLiteMetadata {
  name: string | null;
  description: string | null;
  version: string | null;
  author: string | null;
  license: string | null;
  minParserVersion: string | null;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  associatedFiles: AssociatedFile[];
}

export interface ModelMetadata {
  /** Names of the model's metadata entries, e.g. ['min_runtime_version', 'CONVERSION_METADATA', 'TFLITE_METADATA']. */
  entries: string[];
  /** The converter's `min_runtime_version` entry (e.g. '1.14.0'), or null. */
  minRuntimeVersion: string | null;
  /** The model's own description string (the converter writes 'MLIR Converted.'), or null. */
  description: string | null;
  /** The TFLITE_METADATA entry decoded, or null when the model carries none. */
  tflite: TfLiteMetadata | null;
  /** Files zipped onto the end of the model, by name (an object without prototype). */
  files: Record<string, Buffer>;
  /**
   * Class labels, one per line: the first TENSOR_AXIS_LABELS file of the first output that has one, else of the
   * model; a file with no locale wins over localised ones. null when the model has none (or the file is missing).
   */
  labels: string[] | null;
}

/**
 * A flatbuffer (or the zip after the model) in memory, read through the checked byte source; a read out of bounds
 * is `what` malformed (ERR_TFLITE_MODEL_INVALID).
 */
class Reader {
  readonly bb: CheckedByteBuffer;

  constructor(readonly bytes: Buffer, readonly what: string) {
    this.bb = new CheckedByteBuffer(byteSource(bytes));
  }

  fail(detail: string): never {
    throw new TfLiteError(`${this.what} is malformed: ${detail}`, 'ERR_TFLITE_MODEL_INVALID');
  }

  /** Runs `read`, turning the byte source's OutOfBounds / WrongIdentifier into this reader's TfLiteError. */
  guard<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof OutOfBounds || error instanceof WrongIdentifier) this.fail(error.message);
      throw error;
    }
  }

  check(pos: number, size: number): void { this.bb.need(pos, size); }
  u8(pos: number): number { return this.bb.readUint8(pos); }
  u16(pos: number): number { return this.bb.readUint16(pos); }
  u32(pos: number): number { return this.bb.readUint32(pos); }

  root(identifier: string): number {
    if (this.bytes.length < 8) this.fail('too short for a flatbuffer');
    return rootOf(this.bb, identifier);
  }

  /** Position of field `slot` of the table at `table`, or 0 when absent. */
  field(table: number, slot: number): number {
    const offset = this.bb.__offset(table, 4 + 2 * slot);
    return offset === 0 ? 0 : table + offset;
  }

  table(table: number, slot: number): number {
    const pos = this.field(table, slot);
    return pos === 0 ? 0 : this.bb.__indirect(pos);
  }

  string(table: number, slot: number): string | null {
    const pos = this.field(table, slot);
    return pos === 0 ? null : this.bb.__string(pos) as string;
  }

  /** [first element's position, count] of a vector field (count 0 when absent). */
  vector(table: number, slot: number, elementSize: number): [number, number] {
    const pos = this.field(table, slot);
    if (pos === 0) return [0, 0];
    const start = this.bb.__indirect(pos);
    const count = this.bb.readUint32(start);
    this.bb.need(start + 4, count * elementSize);
    return [start + 4, count];
  }

  tables(table: number, slot: number): number[] {
    const [first, count] = this.vector(table, slot, 4);
    return Array.from({ length: count }, (_, i) => this.bb.__indirect(first + 4 * i));
  }

  floats(table: number, slot: number): number[] {
    const [first, count] = this.vector(table, slot, 4);
    return Array.from({ length: count }, (_, i) => this.bb.readFloat32(first + 4 * i));
  }
}

// ---- schema.fbs (generated: lib/schema/tflite.ts) -----------------------------------------------------------------

/** The bytes of buffer `index`: in the flatbuffer, or after it (models over 2 GB store an offset and a size). */
function bufferBytes(reader: Reader, model: Table, index: number): Buffer {
  const [first, count] = model.vector(FIELDS.Model.buffers, 4);
  if (index >= count) reader.fail(`metadata points at buffer ${index} of ${count}`);
  const buffer = new Table(reader.bb, reader.bb.__indirect(first + 4 * index));
  const offset = buffer.uint64(FIELDS.Buffer.offset);
  if (offset > 1) {
    const size = buffer.uint64(FIELDS.Buffer.size);
    reader.bb.need(offset, size);
    return reader.bytes.subarray(offset, offset + size);
  }
  const [data, length] = buffer.vector(FIELDS.Buffer.data, 1);
  return reader.bytes.subarray(data, data + length);
}

// ---- metadata_schema.fbs ----------------------------------------------------------------------------------------
// AssociatedFile { name, description, type, locale, version }
// ProcessUnit { options (union: type slot 0, value slot 1) }; NormalizationOptions (union type 1) { mean, std }
// TensorMetadata { name, description, dimension_names, content, process_units, stats, associated_files }
// SubGraphMetadata { name, description, input_tensor_metadata, output_tensor_metadata, associated_files, ... }
// ModelMetadata { name, description, version, subgraph_metadata, author, license, associated_files,
//                 min_parser_version }
const NORMALIZATION_OPTIONS = 1;

function associatedFiles(meta: Reader, table: number, slot: number): AssociatedFile[] {
  return meta.tables(table, slot).map((file) => {
    const typeField = meta.field(file, 2);
    const type = typeField ? meta.u8(typeField) : 0;
    return {
      name: meta.string(file, 0) ?? '',
      description: meta.string(file, 1),
      type: FILE_TYPES[type] ?? 'UNKNOWN',
      locale: meta.string(file, 3),
    };
  });
}

function tensorMetadata(meta: Reader, tensor: number): TensorMetadata {
  let normalization: NormalizationOptions | null = null;
  for (const unit of meta.tables(tensor, 4)) {
    const typeField = meta.field(unit, 0);
    if (!typeField || meta.u8(typeField) !== NORMALIZATION_OPTIONS) continue;
    const options = meta.table(unit, 1);
    if (options) normalization = { mean: meta.floats(options, 0), std: meta.floats(options, 1) };
    break;
  }
  return {
    name: meta.string(tensor, 0),
    description: meta.string(tensor, 1),
    normalization,
    associatedFiles: associatedFiles(meta, tensor, 6),
  };
}

function decodeModelMetadata(bytes: Buffer): TfLiteMetadata {
  const meta = new Reader(bytes, 'the TFLITE_METADATA entry');
  return meta.guard(() => decodeTfLiteMetadata(meta, meta.root('M001')));
}

function decodeTfLiteMetadata(meta: Reader, root: number): TfLiteMetadata {
  const subgraph = meta.tables(root, 3)[0];
  return {
    name: meta.string(root, 0),
    description: meta.string(root, 1),
    version: meta.string(root, 2),
    author: meta.string(root, 4),
    license: meta.string(root, 5),
    minParserVersion: meta.string(root, 7),
    inputs: subgraph ? meta.tables(subgraph, 2).map((t) => tensorMetadata(meta, t)) : [],
    outputs: subgraph ? meta.tables(subgraph, 3).map((t) => tensorMetadata(meta, t)) : [],
    associatedFiles: associatedFiles(meta, root, 6),
  };
}

// ---- the zip appended to the model ------------------------------------------------------------------------------

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * Files of a zip archive at the end of `bytes` (stored or deflated). Offsets are corrected for the bytes in front of
 * the archive, as Python's zipfile does, so archives appended with absolute or relative offsets both read.
 * Returns an empty record when there is no archive.
 */
function readAppendedZip(bytes: Buffer): Record<string, Buffer> {
  const zip = new Reader(bytes, 'the zip archive appended to the model');
  return zip.guard(() => readZip(zip, bytes));
}

function readZip(zip: Reader, bytes: Buffer): Record<string, Buffer> {
  const files: Record<string, Buffer> = Object.create(null);
  let end = -1;
  for (let pos = bytes.length - 22; pos >= Math.max(0, bytes.length - 22 - 0xffff); pos--) {
    // The end record's comment must run exactly to the end of the file.
    if (bytes.readUInt32LE(pos) === EOCD && pos + 22 + bytes.readUInt16LE(pos + 20) === bytes.length) {
      end = pos;
      break;
    }
  }
  if (end < 0) return files;
  const count = zip.u16(end + 10);
  const size = zip.u32(end + 12);
  const offset = zip.u32(end + 16);
  const shift = end - size - offset; // bytes in front of the archive that its offsets do not count
  if (shift < 0 || offset === 0xffffffff) return files; // not an archive we can read (or ZIP64)
  let pos = offset + shift;
  if (count > 0 && zip.u32(pos) !== CENTRAL) return files; // the signature matched by chance: no archive
  for (let i = 0; i < count; i++) {
    if (zip.u32(pos) !== CENTRAL) zip.fail(`central directory entry ${i} has a bad signature`);
    const method = zip.u16(pos + 10);
    const compressed = zip.u32(pos + 20);
    const uncompressed = zip.u32(pos + 24);
    const nameLength = zip.u16(pos + 28);
    const extraLength = zip.u16(pos + 30);
    const commentLength = zip.u16(pos + 32);
    const local = zip.u32(pos + 42) + shift;
    zip.check(pos + 46, nameLength);
    const name = bytes.toString('utf8', pos + 46, pos + 46 + nameLength);
    pos += 46 + nameLength + extraLength + commentLength;
    if (zip.u32(local) !== LOCAL) zip.fail(`'${name}' has a bad local header`);
    const dataStart = local + 30 + zip.u16(local + 26) + zip.u16(local + 28);
    zip.check(dataStart, compressed);
    const raw = bytes.subarray(dataStart, dataStart + compressed);
    if (method === 0) {
      files[name] = raw;
    } else if (method === 8) {
      try {
        files[name] = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(uncompressed, 1) });
      } catch (error) {
        zip.fail(`'${name}' does not inflate: ${(error as Error).message}`);
      }
    } else {
      zip.fail(`'${name}' uses compression method ${method} (only stored and deflated files are read)`);
    }
  }
  return files;
}

// ---- public ------------------------------------------------------------------------------------------------------

function pickLabels(tflite: TfLiteMetadata | null, files: Record<string, Buffer>): string[] | null {
  if (!tflite) return null;
  const candidates = [...tflite.outputs.flatMap((t) => t.associatedFiles), ...tflite.associatedFiles]
    .filter((f) => f.type === 'TENSOR_AXIS_LABELS' && files[f.name] !== undefined);
  const chosen = candidates.find((f) => !f.locale) ?? candidates[0];
  return chosen ? parseLabels(files[chosen.name].toString('utf8')) : null;
}

/** Lines of a labels file (a final newline does not make an empty label; \r\n is accepted). */
export function parseLabels(text: string): string[] {
  if (typeof text !== 'string') throw argumentError(`parseLabels() takes the file's text, got ${describeValue(text)}`);
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Reads a model's metadata: the metadata table's entries, TFLite Support's ModelMetadata (name, description,
 * per-tensor normalisation and associated files) and the associated files zipped onto the model, with class labels
 * picked out. Needs no interpreter; the model's graph is not checked (load it for that).
 */
export function readModelMetadata(model: string | Buffer | Uint8Array | ArrayBuffer): ModelMetadata {
  const bytes = modelBytesSync(model);
  const reader = new Reader(bytes, 'the model');
  const { entries, minRuntimeVersion, tflite, description } = reader.guard(() => {
    const model = new Table(reader.bb, reader.root('TFL3'));
    const names: string[] = [];
    let minRuntimeVersion: string | null = null;
    let tflite: TfLiteMetadata | null = null;
    for (const entry of model.tables(FIELDS.Model.metadata)) {
      const name = entry.string(FIELDS.Metadata.name) ?? '';
      const data = bufferBytes(reader, model, entry.uint32(FIELDS.Metadata.buffer));
      names.push(name);
      if (name === 'min_runtime_version') minRuntimeVersion = data.toString('utf8').replace(/\0+$/, '');
      if (name === 'TFLITE_METADATA' && tflite === null) tflite = decodeModelMetadata(data);
    }
    return { entries: names, minRuntimeVersion, tflite, description: model.string(FIELDS.Model.description) };
  });
  const files = readAppendedZip(bytes);
  return {
    entries,
    minRuntimeVersion,
    description,
    tflite,
    files,
    labels: pickLabels(tflite, files),
  };
}
