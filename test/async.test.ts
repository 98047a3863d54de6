// Off the event loop: invokeAsync/runAsync, the busy guard, cancellation, lifetime, worker_threads, the pool.
import path from 'path';
import { execFileSync, spawnSync } from 'child_process';
import { Interpreter, createPool, TfLiteError, type InterpreterOptions } from '../dist/cjs';
import { fixture, expected, expectValues, caught, rejected } from './helpers';

import loop from './fixtures/loop.json';

/** loop.tflite on built-in kernels: a WHILE loop whose run time is set by input n. */
function loopInterpreter(n: number, options: InterpreterOptions = {}) {
  const it = new Interpreter(fixture('loop.tflite'), { xnnpack: false, ...options });
  it.allocateTensors();
  it.input('x').set(Float32Array.from(loop.x));
  it.input('n').set(Int32Array.of(n));
  return it;
}

/** test/scripts/ compiled (by `npm run build`): the child processes these tests start. */
const SCRIPTS = path.join(__dirname, '..', 'dist-tools', 'test', 'scripts');

function script(name: string, args: string[] = [], nodeArgs: string[] = [], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [...nodeArgs, path.join(SCRIPTS, name), ...args], {
    encoding: 'utf8', timeout: 60000, env: { ...process.env, ...env } });
  return { ...result, json: JSON.parse(result.stdout.trim().split('\n').pop() || 'null') };
}

describe('invokeAsync', () => {
  test('gives the same outputs as invoke', async () => {
    const it = loopInterpreter(loop.n);
    await it.invokeAsync();
    expectValues(it.output(0, 'float32').get(), Float32Array.from(loop.y), 1e-5);
  });

  test('the event loop keeps running during an async run, and not during a sync one', async () => {
    const it = loopInterpreter(150000); // ~200 ms here
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    ticks = 0;
    await it.invokeAsync();
    const duringAsync = ticks;
    ticks = 0;
    it.invoke();
    const duringSync = ticks;
    clearInterval(timer);
    expect(duringAsync).toBeGreaterThan(10);
    expect(duringSync).toBe(0);
  });

  test('busy guard: the interpreter and its tensors are off limits while a run is in flight', async () => {
    const it = loopInterpreter(20000);
    const before = it.output(0, 'float32').data;
    const promise = it.invokeAsync();
    for (const fn of [() => it.input(0).data, () => it.input('x').set(new Float32Array(64)), () => it.output(0).get(),
      () => it.allocateTensors(), () => it.invoke(), () => it.resizeInput(0, [1, 64]), () => it.getTensor(0),
      () => it.inputs]) {
      expect(caught(fn).code).toBe('ERR_TFLITE_BUSY');
    }
    expect((await rejected(it.invokeAsync())).code).toBe('ERR_TFLITE_BUSY');
    await promise;
    expect(before.length).toBe(64); // views handed out before the run are readable after it
    expect(Array.from(before)).toEqual(Array.from(it.output(0, 'float32').get()));
  });

  test('rejections carry the caller in their stack', async () => {
    const it = new Interpreter(fixture('add.tflite'));
    const error = await rejected(it.invokeAsync());
    expect(error).toBeInstanceOf(TfLiteError);
    expect(error.code).toBe('ERR_TFLITE_INVOKE');
    expect(error.stack).toContain('async.test.ts');
  });
});

describe('cancellation', () => {
  test('an AbortSignal stops a long run; the interpreter stays usable', async () => {
    const it = loopInterpreter(50000000); // about a minute if not cancelled
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const error = await rejected(it.invokeAsync({ signal: controller.signal }));
    expect(error.code).toBe('ERR_TFLITE_CANCELLED');
    expect(Date.now() - started).toBeLessThan(5000);
    it.input('n').set(Int32Array.of(loop.n));
    it.input('x').set(Float32Array.from(loop.x));
    await it.invokeAsync();
    expectValues(it.output(0, 'float32').get(), Float32Array.from(loop.y), 1e-5);
  });

  test('an already aborted signal rejects at once without running', async () => {
    const it = loopInterpreter(50000000);
    const error = await rejected(it.invokeAsync({ signal: AbortSignal.abort() }));
    expect(error.code).toBe('ERR_TFLITE_CANCELLED');
    expect(it.input(0).data.length).toBe(64); // not busy: the next call works
  });

  test('runAsync with a signal on a signature runner', async () => {
    const e = expected['signatures.tflite'];
    const runner = new Interpreter(fixture('signatures.tflite')).getSignatureRunner('mul');
    runner.allocateTensors();
    const out = await runner.runAsync(Object.fromEntries(
      Object.entries(e.signatureRuns.mul.inputs).map(([k, v]) => [k, Float32Array.from(v)])),
    { signal: new AbortController().signal });
    expectValues(out.product, Float32Array.from(e.signatureRuns.mul.outputs.product));
    expect((await rejected(runner.invokeAsync({ signal: AbortSignal.abort() }))).code).toBe('ERR_TFLITE_CANCELLED');
  });
});

describe('lifetime', () => {
  test('dispose() during a run waits for it, then frees', async () => {
    const it = loopInterpreter(20000);
    const promise = it.invokeAsync();
    it.dispose();
    expect(caught(() => it.input(0)).code).toBe('ERR_TFLITE_DISPOSED');
    await promise;
    expect(caught(() => it.invoke()).code).toBe('ERR_TFLITE_DISPOSED');
    it.dispose();
  });

  test('GC with every reference dropped during a run does not free what the run uses', () => {
    const { status, json, stderr } = script('gc-during-run.js', [], ['--expose-gc']);
    expect(stderr).not.toMatch(/Error|Segmentation/);
    expect(status).toBe(0);
    expect(json).toEqual({ ok: true, product: [6, -1] });
  });

  test('the process exits cleanly and quickly with a run in flight', () => {
    const started = Date.now();
    const { status, signal } = script('exit-during-run.js');
    expect(signal).toBeNull();
    expect(status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15000);
  });
});

describe('worker_threads', () => {
  test('four workers each load and run the model; results equal the main thread', () => {
    const { status, json } = script('workers.js', ['4']);
    expect(status).toBe(0);
    expect(json).toEqual({ ok: true, workers: 4 });
  });

  test('workers terminated in the middle of a run do not crash the process', () => {
    const { status, signal, json } = script('exit-during-run.js', ['--worker']);
    expect(signal).toBeNull();
    expect(status).toBe(0);
    expect(json.ok).toBe(true);
  });
});

describe('pool', () => {
  test('spreads concurrent runs over its interpreters, results equal a single interpreter', async () => {
    const pool = await createPool(fixture('loop.tflite'), { size: 2, xnnpack: false });
    expect(pool.size).toBe(2);
    const inputs = { x: Float32Array.from(loop.x), n: Int32Array.of(loop.n) };
    const results = await Promise.all(Array.from({ length: 6 }, () => pool.run(inputs)));
    for (const out of results) expectValues(out[Object.keys(out)[0]], Float32Array.from(loop.y), 1e-5);
    expect(pool.idle).toBe(2);
    pool.dispose();
    expect((await rejected(pool.run(inputs))).code).toBe('ERR_TFLITE_DISPOSED');
  });

  test('two runs really overlap (both interpreters busy at once)', async () => {
    const pool = await createPool(fixture('loop.tflite'), { size: 2, xnnpack: false });
    const inputs = { x: Float32Array.from(loop.x), n: Int32Array.of(20000) };
    const runs = [pool.run(inputs), pool.run(inputs)];
    expect(pool.idle).toBe(0);
    await Promise.all(runs);
    expect(pool.idle).toBe(2);
    pool.dispose();
  });

  test('warns when size exceeds the libuv thread pool', () => {
    const out = execFileSync(process.execPath, ['-e', `
      process.on('warning', (w) => console.log(w.code));
      require('./dist/cjs').createPool(${JSON.stringify(fixture('add.tflite'))}, { size: 3 }).then((p) => p.dispose());
    `], { cwd: path.join(__dirname, '..'), env: { ...process.env, UV_THREADPOOL_SIZE: '2' }, encoding: 'utf8' });
    expect(out).toContain('TFLITE_POOL_SIZE');
  });

  test('a missing model rejects with ERR_TFLITE_NOT_FOUND', async () => {
    expect((await rejected(createPool(fixture('missing.tflite')))).code).toBe('ERR_TFLITE_NOT_FOUND');
  });
});
