// Shared by the node engine servers: the line protocol run.js speaks to every engine (C, Python, node), the input
// pattern every engine feeds (same as bench/c_loop.c), and the timing loop.
import * as readline from 'readline';

/** Floats in [-1, 1]; integer types get bytes cycling (i * 31) & 0xff, reinterpreted. Same as c_loop.c fill(). */
/** The arrays an engine fills (a tensor's view). */
export type FillArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array |
  Uint32Array | BigInt64Array | BigUint64Array;

export function fillInput<A extends FillArray>(array: A): A {
  if (array instanceof Float32Array || array instanceof Float64Array) {
    for (let i = 0; i < array.length; i++) array[i] = ((i * 7919) % 2001) / 1000 - 1;
  } else if (array instanceof Int32Array || array instanceof BigInt64Array) {
    // Small values: int32/int64 inputs are mostly token ids or indices (test/corpus's transformer embeds them).
    for (let i = 0; i < array.length; i++) {
      if (array instanceof BigInt64Array) array[i] = BigInt((i * 7919) % 100);
      else array[i] = (i * 7919) % 100;
    }
  } else {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
  }
  return array;
}

/**
 * A tensor's view (or a copy like it) of any dtype, as the engines handle it: typed as Float32Array, whose length and
 * set() are all the loops use (a copy of a BigInt64Array view is a BigInt64Array, set() from the same kind).
 */
export type View = Float32Array;
export const viewOf = (data: unknown): View => data as View;
/** A new zeroed array of the same kind and length as `v`. */
export const like = (v: View): View => new (v.constructor as new (n: number) => View)(v.length);

export const now = (): number => Number(process.hrtime.bigint()) / 1e3; // µs

/** iters samples, each the mean µs per call over `batch` calls, after `warmup` untimed batches. */
export function measureSync(call: () => unknown, iters: number, batch: number, warmup: number): number[] {
  for (let w = 0; w < warmup; w++) for (let b = 0; b < batch; b++) call();
  const us = new Array(iters);
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < batch; b++) call();
    us[i] = Number(process.hrtime.bigint() - t0) / 1e3 / batch;
  }
  return us;
}

export async function measureAsync(call: () => Promise<unknown>, iters: number, batch: number, warmup: number): Promise<number[]> {
  for (let w = 0; w < warmup; w++) for (let b = 0; b < batch; b++) await call();
  const us = new Array(iters);
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < batch; b++) await call();
    us[i] = Number(process.hrtime.bigint() - t0) / 1e3 / batch;
  }
  return us;
}

/**
 * Serves the protocol on stdin/stdout, one command at a time:
 *   load ID THREADS XNNPACK PATH | run ID VARIANT ITERS BATCH WARMUP | free ID | quit
 * handlers: { load(id, threads, xnnpack, path), run(id, variant, iters, batch, warmup), free(id) } → reply object.
 */
/** What an engine server answers, by command (extra commands: any other key). */
export interface Handlers {
  load(id: number, threads: number, xnnpack: boolean, file: string): Promise<object | void> | object | void;
  run(id: number, variant: string, iters: number, batch: number, warmup: number): Promise<number[]> | number[];
  free(id: number): unknown;
  [command: string]: ((id: number, ...rest: any[]) => unknown) | undefined;
}

export function serve(handlers: Handlers): void {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  const queue: string[] = [];
  let busy = false;
  const reply = (obj: object): boolean => process.stdout.write(JSON.stringify(obj) + '\n');
  async function pump(): Promise<void> {
    if (busy) return;
    busy = true;
    while (queue.length) {
      const line = queue.shift()!.trim();
      if (!line) continue;
      const [cmd, idText, ...rest] = line.split(' ');
      const id = Number(idText);
      try {
        if (cmd === 'quit') {
          rl.close();
          process.exit(0);
        } else if (cmd === 'load') {
          const [threads, xnn, ...pathParts] = rest;
          reply({ ok: true, ...((await handlers.load(id, Number(threads), xnn === '1', pathParts.join(' '))) ?? {}) });
        } else if (cmd === 'run') {
          const [variant, iters, batch, warmup] = rest;
          const us = await handlers.run(id, variant!, Number(iters), Number(batch || 1), Number(warmup || 0));
          reply({ ok: true, us });
        } else if (cmd === 'free') {
          await handlers.free(id);
          reply({ ok: true });
        } else if (cmd !== undefined && handlers[cmd]) {
          reply({ ok: true, ...((await handlers[cmd]!(id, ...rest)) as object) });
        } else {
          reply({ ok: false, error: `unknown command ${cmd}` });
        }
      } catch (error) {
        reply({ ok: false, error: String((error as Error | null)?.stack || error) });
      }
    }
    busy = false;
  }
  rl.on('line', (line) => { queue.push(line); pump(); });
  rl.on('close', () => { if (!busy && !queue.length) process.exit(0); });
}

