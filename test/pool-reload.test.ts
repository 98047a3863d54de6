// pool.reload() and pool.watch(): models swapped under load, refused models, watched files replaced by rename;
// and the pool's argument checks (size bound, options, file-read failures as TfLiteErrors).
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  Interpreter, createPool, TfLiteError, ReloadError, MAX_POOL_SIZE,
  type InterpreterPool, type ModelSource, type ReloadEvent, type ReloadOptions, type ReloadStage,
  type RetiredEvent, type RunOutputs, type TfLiteErrorCode,
} from '../dist/cjs';
import { fixture, rejected, until, wrongType } from './helpers';

import loop from './fixtures/loop.json';

// loop.tflite computes y = tanh(... tanh(x W) ... W) over n steps; its one 64x64 weight (W) is the buffer of 16384
// bytes at 412. The same model with W negated has the same inputs and outputs, and for odd n gives -y: two models
// a pool can swap between whose results tell which one ran.
const LOOP = fs.readFileSync(fixture('loop.tflite'));
const W_OFFSET = 412;
function negatedLoop() {
  if (LOOP.readUInt32LE(W_OFFSET - 4) !== 16384) throw new Error('loop.tflite changed: find W again');
  const bytes = Buffer.from(LOOP);
  for (let i = 0; i < 4096; i++) bytes.writeFloatLE(-bytes.readFloatLE(W_OFFSET + 4 * i), W_OFFSET + 4 * i);
  return bytes;
}
const LOOP_NEG = negatedLoop();
const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

/** The float32 output Identity (loop.tflite's, add.tflite's): run() types each output as any dtype's array. */
const float32 = (outputs: RunOutputs) => outputs.Identity as Float32Array;

const N = 1001; // odd: the negated model's output is the original's negated; ~2.5 ms a run here
const INPUTS = { x: Float32Array.from(loop.x), n: Int32Array.of(N) };

/** What one interpreter of `model` gives for INPUTS (the reference a pool run is compared with, exactly). */
function reference(model: ModelSource) {
  const it = new Interpreter(model, { xnnpack: false });
  it.allocateTensors();
  const out = Array.from(float32(it.run(INPUTS)));
  it.dispose();
  return out;
}
const OLD = reference(LOOP);
const NEW = reference(LOOP_NEG);

/** Which model produced `output`: 'old', 'new', or 'neither' (a wrong result). */
function which(output: RunOutputs) {
  const values = Array.from(float32(output));
  if (values.every((v, i) => v === OLD[i])) return 'old';
  if (values.every((v, i) => v === NEW[i])) return 'new';
  return 'neither';
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-reload-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** A steady stream: `lanes` loops each issuing runs back to back until stop(); every run's outcome kept in call order. */
/** One run of stream(): which model answered it, or its error. */
interface Outcome { outcome: ReturnType<typeof which> | null; error: unknown }
function stream(pool: InterpreterPool, lanes: number) {
  const results: Outcome[] = [];
  let stopped = false;
  const lane = async () => {
    while (!stopped) {
      const slot: Outcome = { outcome: null, error: null };
      results.push(slot);
      try {
        slot.outcome = which(await pool.run(INPUTS));
      } catch (error) {
        slot.error = error;
      }
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, lane));
  return { results, stop: () => { stopped = true; return done; } };
}


describe('reload under load', () => {
  test('a steady stream of runs: none fails, none is lost, results switch at one point', async () => {
    expect(NEW[0]).toBe(-OLD[0]);
    const pool = await createPool(fixture('loop.tflite'), { size: 2, xnnpack: false });
    const events: (['reload', ReloadEvent] | ['retired', RetiredEvent])[] = [];
    pool.on('reload', (e) => events.push(['reload', e]));
    pool.on('retired', (e) => events.push(['retired', e]));
    const s = stream(pool, 4); // twice as many lanes as interpreters: runs wait for one at every moment
    await until(() => s.results.length > 40);
    const file = write('negated.tflite', LOOP_NEG);
    const atCall = s.results.length;
    const model = await pool.reload(file, { sha256: sha256(LOOP_NEG), warmup: INPUTS });
    const atSwap = s.results.length;
    await until(() => s.results.length > atSwap + 40);
    await s.stop();

    const outcomes = s.results.map((r) => r.outcome);
    expect(s.results.filter((r) => r.error)).toEqual([]);
    expect(outcomes.filter((o) => o === null || o === 'neither')).toEqual([]);
    const switchAt = outcomes.indexOf('new');
    expect(switchAt).toBeGreaterThan(40);
    expect(outcomes.slice(0, switchAt).every((o) => o === 'old')).toBe(true);
    expect(outcomes.slice(switchAt).every((o) => o === 'new')).toBe(true);
    expect(outcomes.length - switchAt).toBeGreaterThan(40);

    expect(model).toMatchObject({ generation: 2, sha256: sha256(LOOP_NEG), path: file });
    expect(pool.model).toBe(model);
    const [kind, swap] = events[0] as ['reload', ReloadEvent];
    expect(kind).toBe('reload');
    expect(swap.previous.generation).toBe(1);
    expect(swap.previous.sha256).toBe(sha256(LOOP));
    expect(swap.current).toBe(model);
    // Runs in flight on the old model at the switch (at most one per interpreter), then the old one is retired.
    expect(swap.inFlight).toBeGreaterThanOrEqual(0);
    expect(swap.inFlight).toBeLessThanOrEqual(2);
    const retired = events.find(([k]) => k === 'retired') as ['retired', RetiredEvent];
    expect(retired[1].model.generation).toBe(1);
    expect(retired[1].runs).toBe(switchAt);
    expect(pool.running).toBe(0);
    console.log(`reload under load: ${outcomes.length} runs, 0 failed; ${atSwap - atCall} started while the new ` +
      `model loaded and warmed up (${swap.ms.toFixed(1)} ms), ${swap.inFlight} in flight at the switch finished on ` +
      `the old model; switch after run ${switchAt}`);
    pool.dispose();
  });

  test('reloads called together run one after another, in call order', async () => {
    const pool = await createPool(LOOP, { size: 2, xnnpack: false });
    const [a, b] = await Promise.all([pool.reload(LOOP_NEG), pool.reload(LOOP)]);
    expect([a.generation, b.generation]).toEqual([2, 3]);
    expect(pool.model.sha256).toBe(sha256(LOOP));
    expect(pool.model.path).toBeNull();
    expect(which(await pool.run(INPUTS))).toBe('old');
    pool.dispose();
  });
});

describe('refused models leave the old one serving', () => {
  let pool: InterpreterPool;
  let failures: ReloadError[];
  beforeEach(async () => {
    pool = await createPool(fixture('loop.tflite'), { size: 2, xnnpack: false });
    failures = [];
    pool.on('reloadFailed', (error) => failures.push(error));
  });
  afterEach(() => pool.dispose());

  async function refused(model: ModelSource, options: ReloadOptions, stage: ReloadStage, code: TfLiteErrorCode) {
    const running = stream(pool, 3);
    const error = await rejected<ReloadError>(pool.reload(model, options));
    await until(() => running.results.length > 10);
    await running.stop();
    expect(error).toBeInstanceOf(ReloadError);
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.stage).toBe(stage);
    expect(error.code).toBe(code);
    expect(failures).toEqual([error]);
    // Every run during the refused reload and after it ran the old model.
    expect(running.results.map((r) => r.error ?? r.outcome).filter((o) => o !== 'old')).toEqual([]);
    expect(pool.model.generation).toBe(1);
    expect(pool.model.sha256).toBe(sha256(LOOP));
    expect(which(await pool.run(INPUTS))).toBe('old');
    return error;
  }

  test('a corrupt model (truncated file)', async () => {
    const error = await refused(write('truncated.tflite', LOOP.subarray(0, 9000)), {}, 'load',
      'ERR_TFLITE_MODEL_INVALID');
    expect(error.message).toMatch(/^reload refused \(load\): /);
  });

  test('bytes that are no model at all', async () => {
    await refused(Buffer.from('not a flatbuffer, just text'.repeat(10)), {}, 'load', 'ERR_TFLITE_MODEL_INVALID');
  });

  test('an incompatible model (other inputs), and the explicit opt-out', async () => {
    const error = await refused(fixture('add.tflite'), {}, 'compatibility', 'ERR_TFLITE_NOT_FOUND');
    expect(error.message).toContain("inputs are [a, b], the serving model's [x, n]");
    const swapped = await pool.reload(fixture('add.tflite'), { allowIncompatible: true });
    expect(swapped.inputs.map((t) => t.name)).toEqual(['a', 'b']);
    const out = await pool.run({ a: Float32Array.of(1, 2, 3, 4), b: Float32Array.of(10, 20, 30, 40) });
    expect(Array.from(float32(out))).toEqual([11, 22, 33, 44]);
  });

  test('an incompatible model (same names, other shape): ERR_TFLITE_SHAPE', async () => {
    const add = await createPool(fixture('add.tflite'), { size: 1 });
    const error = await rejected<ReloadError>(add.reload(fixture('add_mul.tflite')));
    expect(error.stage).toBe('compatibility');
    const shape = await rejected(createPool(fixture('dtypes_float32.tflite'), { size: 1 })
      .then((p) => p.reload(fixture('dynamic_batch.tflite')).finally(() => p.dispose())));
    expect(shape.code).toBe('ERR_TFLITE_SHAPE');
    expect(shape.message).toContain("input 'x' has shape [-1,4] in the new model, [2,3] in the serving one");
    const dtype = await rejected(createPool(fixture('dtypes_float32.tflite'), { size: 1 })
      .then((p) => p.reload(fixture('dtypes_int32.tflite')).finally(() => p.dispose())));
    expect(dtype.code).toBe('ERR_TFLITE_DTYPE');
    add.dispose();
  });

  test('a sha256 that does not match', async () => {
    const error = await refused(LOOP_NEG, { sha256: sha256(LOOP) }, 'sha256', 'ERR_TFLITE_MODEL_INVALID');
    expect(error.message).toContain(`the model's sha256 is ${sha256(LOOP_NEG)}`);
  });

  test('a model whose ops do not resolve (fails at allocation)', async () => {
    await refused(fixture('custom_op.tflite'), { allowIncompatible: true }, 'load', 'ERR_TFLITE_ALLOCATE');
  });

  test('a warm-up check that fails, or throws', async () => {
    const check = (outputs: RunOutputs) => outputs.Identity![0] === OLD[0]; // the negated model gives -OLD[0]
    await refused(LOOP_NEG, { warmup: { inputs: INPUTS, check } }, 'warmup', 'ERR_TFLITE_INVOKE');
    failures.length = 0;
    const error = await refused(LOOP_NEG, { warmup: { inputs: INPUTS, check: () => { throw new Error('no'); } } },
      'warmup', 'ERR_TFLITE_INVOKE');
    expect(error.message).toContain('the warm-up check threw: no');
  });

  test('a missing file', async () => {
    const missing = path.join(tmp, 'missing.tflite');
    const error = await refused(missing, {}, 'read', 'ERR_TFLITE_NOT_FOUND');
    expect(error.message).toContain(missing);
  });

  test('bad reload options are ERR_TFLITE_ARGUMENT', async () => {
    for (const options of [{ sha256: 'abc' }, { warmup: wrongType(3) }, { interpreter: wrongType('x') }]) {
      const error = await rejected(pool.reload(LOOP_NEG, options));
      expect(error.code).toBe('ERR_TFLITE_ARGUMENT');
    }
    expect((await rejected(pool.reload(LOOP_NEG, wrongType(null)))).code).toBe('ERR_TFLITE_ARGUMENT');
    expect(pool.model.generation).toBe(1);
  });
});

describe('warm-up', () => {
  test('true runs every new interpreter once on zeroed inputs; inputs with a check that passes swap', async () => {
    const pool = await createPool(LOOP, { size: 2, xnnpack: false });
    await pool.reload(LOOP_NEG, { warmup: true });
    const seen: string[] = [];
    await pool.reload(LOOP, { warmup: { inputs: INPUTS, check: (out) => { seen.push(which(out)); } } });
    expect(seen).toEqual(['old', 'old']); // one warm-up run per interpreter, on the model being loaded
    expect(pool.model.generation).toBe(3);
    pool.dispose();
  });
});

describe('dispose and reload', () => {
  test('dispose during a reload rejects it with ERR_TFLITE_DISPOSED; waiting runs reject too', async () => {
    const pool = await createPool(LOOP, { size: 1, xnnpack: false });
    const first = pool.run({ x: INPUTS.x, n: Int32Array.of(20000) });
    const waiting = pool.run(INPUTS);
    const reload = pool.reload(LOOP_NEG);
    pool.dispose();
    expect((await rejected(reload)).code).toBe('ERR_TFLITE_DISPOSED');
    expect((await rejected(waiting)).code).toBe('ERR_TFLITE_DISPOSED');
    expect((await first).Identity.length).toBe(64); // the run in flight finishes
  });
});

describe('waiting runs', () => {
  test('an AbortSignal takes a run out of the queue; the runs behind it keep their turn', async () => {
    const pool = await createPool(LOOP, { size: 1, xnnpack: false });
    const first = pool.run({ x: INPUTS.x, n: Int32Array.of(20000) });
    const controller = new AbortController();
    const cancelled = pool.run(INPUTS, { signal: controller.signal });
    const next = pool.run(INPUTS);
    controller.abort();
    const error = await rejected(cancelled);
    expect(error.code).toBe('ERR_TFLITE_CANCELLED');
    expect(error.message).toContain('while it waited');
    expect(which(await next)).toBe('old');
    await first;
    expect((await rejected(pool.run(INPUTS, { signal: AbortSignal.abort() }))).code).toBe('ERR_TFLITE_CANCELLED');
    expect(pool.idle).toBe(1);
    pool.dispose();
  });
});

describe('watch', () => {
  function events(pool: InterpreterPool, name: 'reload'): Promise<ReloadEvent>;
  function events(pool: InterpreterPool, name: 'reloadFailed'): Promise<ReloadError>;
  function events(pool: InterpreterPool, name: 'reload' | 'reloadFailed') {
    return new Promise((resolve) => (name === 'reload' ? pool.once(name, resolve) : pool.once(name, resolve)));
  }

  test('a model file replaced by rename is reloaded; the same bytes again are not; a bad file is refused', async () => {
    const file = write('watched.tflite', LOOP);
    const pool = await createPool(file, { size: 2, xnnpack: false, watch: { debounceMs: 50 } });
    const reloads: string[] = [];
    pool.on('reload', (e) => reloads.push(e.current.sha256));

    // As deploy tools write: a temporary file beside it, renamed over it.
    const swapped = events(pool, 'reload');
    fs.writeFileSync(`${file}.tmp`, LOOP_NEG);
    fs.renameSync(`${file}.tmp`, file);
    expect((await swapped).current.sha256).toBe(sha256(LOOP_NEG));
    expect(which(await pool.run(INPUTS))).toBe('new');

    // The same bytes renamed in once more: a new inode, but nothing to reload.
    fs.writeFileSync(`${file}.tmp`, LOOP_NEG);
    fs.renameSync(`${file}.tmp`, file);
    // A corrupt file: refused, the model before keeps serving.
    const failed = events(pool, 'reloadFailed');
    fs.writeFileSync(`${file}.tmp`, LOOP.subarray(0, 5000));
    fs.renameSync(`${file}.tmp`, file);
    const error = await failed;
    expect(error.stage).toBe('load');
    expect(reloads).toEqual([sha256(LOOP_NEG)]);
    expect(which(await pool.run(INPUTS))).toBe('new');

    // And a good one after it is taken.
    const back = events(pool, 'reload');
    fs.writeFileSync(`${file}.tmp`, LOOP);
    fs.renameSync(`${file}.tmp`, file);
    expect((await back).current.generation).toBe(3);
    expect(which(await pool.run(INPUTS))).toBe('old');
    pool.dispose();
  });

  test('pool.watch() with polling; close() stops it', async () => {
    const file = write('polled.tflite', LOOP);
    const pool = await createPool(file, { size: 1, xnnpack: false });
    const watcher = pool.watch(file, { pollMs: 50, debounceMs: 10 });
    expect(watcher.path).toBe(path.resolve(file));
    const swapped = events(pool, 'reload');
    fs.writeFileSync(`${file}.tmp`, LOOP_NEG);
    fs.renameSync(`${file}.tmp`, file);
    await swapped;
    watcher.close();
    let reloaded = false;
    pool.on('reload', () => { reloaded = true; });
    fs.writeFileSync(`${file}.tmp`, LOOP);
    fs.renameSync(`${file}.tmp`, file);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(reloaded).toBe(false);
    expect(which(await pool.run(INPUTS))).toBe('new');
    pool.dispose();
  });

  test('watch needs a path; bad watch options are ERR_TFLITE_ARGUMENT', async () => {
    expect((await rejected(createPool(LOOP, { watch: wrongType(true) }))).code).toBe('ERR_TFLITE_ARGUMENT');
    const pool = await createPool(LOOP, { size: 1 });
    for (const options of [{ debounceMs: -1 }, { pollMs: wrongType('fast') }]) {
      let error: TfLiteError | undefined;
      try {
        pool.watch(fixture('loop.tflite'), options);
      } catch (e) {
        error = e as TfLiteError;
      }
      expect(error!.code).toBe('ERR_TFLITE_ARGUMENT');
    }
    pool.dispose();
  });
});

describe('createPool arguments (#16)', () => {
  test('size is bounded: 1e7 is refused at once, before any interpreter is made', async () => {
    const started = process.memoryUsage().rss;
    const error = await rejected(createPool(LOOP, { size: 1e7 }));
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.code).toBe('ERR_TFLITE_ARGUMENT');
    expect(error.message).toContain(`from 1 to ${MAX_POOL_SIZE}`);
    expect(process.memoryUsage().rss - started).toBeLessThan(64 * 1024 * 1024);
    for (const size of [0, -1, 1.5, wrongType('2'), MAX_POOL_SIZE + 1, NaN]) {
      expect((await rejected(createPool(LOOP, { size }))).code).toBe('ERR_TFLITE_ARGUMENT');
    }
  });

  test('options that are not an object are ERR_TFLITE_ARGUMENT', async () => {
    for (const options of [null, 'fast', 3, []]) {
      const error = await rejected(createPool(LOOP, wrongType(options)));
      expect(error).toBeInstanceOf(TfLiteError);
      expect(error.code).toBe('ERR_TFLITE_ARGUMENT');
    }
  });

  test('the event loop runs between interpreter creations', async () => {
    let turns = 0;
    let on = true;
    const tick = () => { if (on) { turns++; setImmediate(tick); } };
    setImmediate(tick);
    const pool = await createPool(LOOP, { size: 4, xnnpack: false }); // bytes: no file I/O to wait on
    on = false;
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(pool.size).toBe(4);
    pool.dispose();
  });

  test('a missing file: ERR_TFLITE_NOT_FOUND naming the path (Interpreter.create and createPool alike)', async () => {
    const missing = path.join(tmp, 'nope', 'model.tflite');
    for (const error of [await rejected(createPool(missing)), await rejected(Interpreter.create(missing))]) {
      expect(error).toBeInstanceOf(TfLiteError);
      expect(error.code).toBe('ERR_TFLITE_NOT_FOUND');
      expect(error.message).toContain(missing);
    }
  });

  test('a file over 2 GiB: ERR_TFLITE_MODEL_INVALID saying the limit, not ERR_FS_FILE_TOO_LARGE', async () => {
    const big = path.join(tmp, 'big.tflite');
    fs.writeFileSync(big, LOOP);
    fs.truncateSync(big, 2 ** 31 + 4096); // sparse: no disk used
    const pool = await createPool(LOOP, { size: 1 });
    const reload = await rejected<ReloadError>(pool.reload(big));
    pool.dispose();
    for (const error of [await rejected(createPool(big)), await rejected(Interpreter.create(big)), reload]) {
      expect(error).toBeInstanceOf(TfLiteError);
      expect(error.code).toBe('ERR_TFLITE_MODEL_INVALID');
      expect(error.message).toContain(big);
      expect(error.message).toContain('2147483647');
    }
    expect(reload.stage).toBe('read');
    fs.rmSync(big);
  });
});
