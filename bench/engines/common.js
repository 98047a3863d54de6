'use strict';
// Shared by the node engine servers: the line protocol run.js speaks to every engine (C, Python, node), the input
// pattern every engine feeds (same as bench/c_loop.c), and the timing loop.
const readline = require('readline');

/** Floats in [-1, 1]; integer types get bytes cycling (i * 31) & 0xff, reinterpreted. Same as c_loop.c fill(). */
function fillInput(array) {
  if (array instanceof Float32Array || array instanceof Float64Array) {
    for (let i = 0; i < array.length; i++) array[i] = ((i * 7919) % 2001) / 1000 - 1;
  } else if (array instanceof Int32Array || array instanceof BigInt64Array) {
    // Small values: int32/int64 inputs are mostly token ids or indices (test/corpus's transformer embeds them).
    for (let i = 0; i < array.length; i++) array[i] = array instanceof BigInt64Array ? BigInt((i * 7919) % 100) : (i * 7919) % 100;
  } else {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
  }
  return array;
}

const now = () => Number(process.hrtime.bigint()) / 1e3; // µs

/** iters samples, each the mean µs per call over `batch` calls, after `warmup` untimed batches. */
function measureSync(call, iters, batch, warmup) {
  for (let w = 0; w < warmup; w++) for (let b = 0; b < batch; b++) call();
  const us = new Array(iters);
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < batch; b++) call();
    us[i] = Number(process.hrtime.bigint() - t0) / 1e3 / batch;
  }
  return us;
}

async function measureAsync(call, iters, batch, warmup) {
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
function serve(handlers) {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  const queue = [];
  let busy = false;
  const reply = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
  async function pump() {
    if (busy) return;
    busy = true;
    while (queue.length) {
      const line = queue.shift().trim();
      if (!line) continue;
      const [cmd, idText, ...rest] = line.split(' ');
      const id = Number(idText);
      try {
        if (cmd === 'quit') {
          rl.close();
          process.exit(0);
        } else if (cmd === 'load') {
          const [threads, xnn, ...pathParts] = rest;
          reply({ ok: true, ...(await handlers.load(id, Number(threads), xnn === '1', pathParts.join(' '))) });
        } else if (cmd === 'run') {
          const [variant, iters, batch, warmup] = rest;
          const us = await handlers.run(id, variant, Number(iters), Number(batch || 1), Number(warmup || 0));
          reply({ ok: true, us });
        } else if (cmd === 'free') {
          await handlers.free(id);
          reply({ ok: true });
        } else if (handlers[cmd]) {
          reply({ ok: true, ...(await handlers[cmd](id, ...rest)) });
        } else {
          reply({ ok: false, error: `unknown command ${cmd}` });
        }
      } catch (error) {
        reply({ ok: false, error: String(error && error.stack || error) });
      }
    }
    busy = false;
  }
  rl.on('line', (line) => { queue.push(line); pump(); });
  rl.on('close', () => { if (!busy && !queue.length) process.exit(0); });
}

module.exports = { fillInput, measureSync, measureAsync, serve, now };
