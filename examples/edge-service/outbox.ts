// A persistent outgoing store: every result is written to disk (and fdatasync'd) before it is published, and stays
// there until the broker acknowledged it (MQTT QoS 1 PUBACK). After a broker outage or a crash of this process, what
// was stored and not acknowledged is sent again, in the order it was stored: at least once, ordered.
//
// On disk, in its own folder:
//   seg-<first seq>.jsonl   records, one JSON line each: {"seq":1,"topic":"…","payload":"…"}; a new segment every
//                           `segmentRecords` records; a segment is deleted once all its records are acknowledged
//   acked                   the highest seq up to which every record is acknowledged (written by rename)
// A line torn by a power cut (the last one of the last segment) is dropped on open; the result it held had not been
// published yet, and its frame is processed again.
import * as fs from 'fs';
import * as path from 'path';

export interface OutboxRecord { seq: number; topic: string; payload: string }

const SEGMENT = /^seg-(\d{12})\.jsonl$/;
const segmentName = (first: number) => `seg-${String(first).padStart(12, '0')}.jsonl`;

export class Outbox {
  #dir: string;
  /** Unacknowledged records by seq, in seq order (Map keeps insertion order). */
  #records = new Map<number, OutboxRecord>();
  /** Acknowledged out of order, above the watermark. */
  #ackedAbove = new Set<number>();
  #watermark = 0;
  #lastSeq = 0;
  #lastRecord: OutboxRecord | null = null;
  #segments: { first: number; last: number; file: string }[] = [];
  #handle: fs.promises.FileHandle | null = null;
  #segmentRecords: number;
  #inSegment = 0;
  #queue: { record: OutboxRecord; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #writing = false;
  #watermarkTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #saving: Promise<void> = Promise.resolve();

  static async open(dir: string, options: { segmentRecords?: number } = {}): Promise<Outbox> {
    const outbox = new Outbox(dir, options.segmentRecords ?? 1000);
    await outbox.#load();
    return outbox;
  }

  constructor(dir: string, segmentRecords: number) {
    this.#dir = dir;
    this.#segmentRecords = segmentRecords;
  }

  async #load() {
    await fs.promises.mkdir(this.#dir, { recursive: true });
    try {
      this.#watermark = Number.parseInt(await fs.promises.readFile(path.join(this.#dir, 'acked'), 'utf8'), 10) || 0;
    } catch {
      this.#watermark = 0;
    }
    this.#lastSeq = this.#watermark;
    const names = (await fs.promises.readdir(this.#dir)).filter((n) => SEGMENT.test(n)).sort();
    for (const [i, name] of names.entries()) {
      const file = path.join(this.#dir, name);
      const text = await fs.promises.readFile(file, 'utf8');
      let good = 0; // bytes of whole, parsed lines
      let count = 0;
      let last = 0;
      const lines = text.split('\n');
      lines.pop(); // '' after the final newline, or a line whose write did not finish (power cut): dropped
      for (const line of lines) {
        let record: OutboxRecord;
        try {
          record = JSON.parse(line) as OutboxRecord;
        } catch {
          throw new Error(`outbox ${file}: a corrupt record at byte ${good}`);
        }
        good += Buffer.byteLength(line) + 1;
        count++;
        last = record.seq;
        this.#lastSeq = Math.max(this.#lastSeq, record.seq);
        this.#lastRecord = record;
        if (record.seq > this.#watermark) this.#records.set(record.seq, record);
      }
      if (good < Buffer.byteLength(text)) await fs.promises.truncate(file, good);
      const first = Number(SEGMENT.exec(name)?.[1]);
      // The last segment stays, acknowledged or not: it says where a restarted service resumes.
      if (count > 0 && last <= this.#watermark && i < names.length - 1) {
        await fs.promises.rm(file, { force: true });
      } else {
        this.#segments.push({ first, last, file });
        if (i === names.length - 1) this.#inSegment = count;
      }
    }
  }

  /** Records stored and not yet acknowledged. */
  get stored(): number {
    return this.#records.size;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The newest record stored, acknowledged or not (null for a new outbox): where a restarted service resumes. */
  get last(): OutboxRecord | null {
    return this.#lastRecord;
  }

  /** The newest record's payload, parsed, or null. */
  lastPayload(): Record<string, unknown> | null {
    return this.#lastRecord ? JSON.parse(this.#lastRecord.payload) : null;
  }

  /**
   * Stores a record; resolves once it is on disk (written and fdatasync'd). Appends made in the same moment share
   * one write and one sync.
   * @param payload the payload, given the record's seq
   */
  append(topic: string, payload: (seq: number) => string): Promise<OutboxRecord> {
    if (this.#closed) return Promise.reject(new Error('the outbox is closed'));
    const seq = ++this.#lastSeq;
    const record = { seq, topic, payload: payload(seq) };
    this.#records.set(seq, record);
    this.#lastRecord = record;
    return new Promise((resolve, reject) => {
      this.#queue.push({ record, resolve: () => resolve(record), reject });
      if (!this.#writing) void this.#flush();
    });
  }

  async #flush() {
    this.#writing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      try {
        let chunk = '';
        for (const { record } of batch) {
          if (this.#handle === null || this.#inSegment >= this.#segmentRecords) {
            if (chunk !== '' && this.#handle !== null) await this.#handle.write(chunk);
            chunk = '';
            await this.#openSegment(record.seq);
          }
          chunk += `${JSON.stringify(record)}\n`;
          this.#inSegment++;
          this.#segments[this.#segments.length - 1].last = record.seq;
        }
        const handle = this.#handle as fs.promises.FileHandle;
        await handle.write(chunk);
        await handle.datasync();
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.#writing = false;
  }

  /** Opens the segment to append to: the last one while it has room, else a new one starting at `first`. */
  async #openSegment(first: number) {
    if (this.#handle !== null) {
      await this.#handle.datasync();
      await this.#handle.close();
      this.#handle = null;
    }
    if (this.#segments.length === 0 || this.#inSegment >= this.#segmentRecords) {
      this.#segments.push({ first, last: first - 1, file: path.join(this.#dir, segmentName(first)) });
      this.#inSegment = 0;
    }
    this.#handle = await fs.promises.open(this.#segments[this.#segments.length - 1].file, 'a');
  }

  async #drain() {
    while (this.#writing || this.#queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  /** The next unacknowledged record after `seq`, in order, or null. */
  next(seq: number): OutboxRecord | null {
    for (const record of this.#records.values()) if (record.seq > seq) return record;
    return null;
  }

  /** The broker acknowledged `seq`: it leaves the store (the watermark on disk follows within 100 ms). */
  ack(seq: number): void {
    if (!this.#records.delete(seq)) return;
    if (seq !== this.#watermark + 1) {
      this.#ackedAbove.add(seq);
      return;
    }
    this.#watermark = seq;
    while (this.#ackedAbove.delete(this.#watermark + 1)) this.#watermark++;
    this.#watermarkTimer ??= setTimeout(() => void this.#saveWatermark(), 100);
  }

  /** One save at a time (a timer's and close()'s would race on acked.tmp). */
  #saveWatermark() {
    this.#watermarkTimer = null;
    this.#saving = this.#saving.then(() => this.#writeWatermark()).catch((error: Error) => {
      process.emitWarning(`outbox ${this.#dir}: the acknowledged watermark was not saved: ${error.message}`);
    });
    return this.#saving;
  }

  async #writeWatermark() {
    const watermark = this.#watermark;
    const tmp = path.join(this.#dir, 'acked.tmp');
    await fs.promises.writeFile(tmp, String(watermark));
    await fs.promises.rename(tmp, path.join(this.#dir, 'acked'));
    // Segments wholly acknowledged go (never the one being appended to).
    while (this.#segments.length > 1 && this.#segments[0].last <= watermark) {
      await fs.promises.rm(this.#segments.shift()!.file, { force: true });
    }
  }

  /** Writes what is pending and the watermark, and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#drain();
    if (this.#watermarkTimer) clearTimeout(this.#watermarkTimer);
    await this.#saveWatermark();
    await this.#handle?.close();
    this.#handle = null;
  }
}
