#!/usr/bin/env node
// A small HTTP inference server: a pool of interpreters (createPool) runs requests with runAsync on the libuv
// thread pool, so the event loop stays free to accept connections and answer /health while models run.
//
//   node dist/examples/server.js [--model model.tflite] [--port 8080] [--pool 2] [--threads 1]
//
//   GET  /model     the model's inputs and outputs (name, dtype, shape)
//   POST /predict   {"inputs": {"name": [numbers...], ...}} (or an array, by position)
//                   → {"outputs": {"name": [numbers...]}, "ms": 1.2}
//   GET  /health    {"ok": true, "pool": {"size", "idle"}, "eventLoopDelayMs": {"p50", "p99", "max"}}
//
// Try it with examples/load.ts, which measures /health while /predict is under load.
// The default model, test/fixtures/convnet.tflite, is a small conv net with RANDOM weights (a stand-in for your
// model, made by test/fixtures/make_fixtures.py): its outputs mean nothing. Serve your own with --model.
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { Interpreter, createPool, TfLiteError, type RunOutputs } from 'tflite-runtime';
import { FIXTURES } from './lib/package-root';

const MAX_BODY = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, `request body over ${MAX_BODY} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (key, value) => (typeof value === 'bigint' ? value.toString() : value));
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Plain JSON values for a run's outputs (TypedArrays → arrays; int64 → strings). */
function jsonOutputs(outputs: RunOutputs): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [name, values] of Object.entries(outputs)) out[name] = Array.isArray(values) ? values : [...values];
  return out;
}

/** What startServer() takes (the command line's flags). */
export interface ServerOptions { model: string; port?: number; host?: string; pool?: number; threads?: number }

/**
 * Starts the server; resolves to { server, port, close() } once it listens. Port 0 picks a free port.
 * Inputs are given as JSON numbers, so the pool is checked for number-typed inputs only (string / int64 models
 * need their own conversion).
 */
export async function startServer({ model, port = 8080, host = '127.0.0.1', pool: size = 2, threads = 1 }: ServerOptions) {
  // One interpreter just for describing the model; the pool runs it.
  const describe = new Interpreter(model, { xnnpack: false });
  const signature = {
    inputs: describe.inputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
    outputs: describe.outputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
  };
  describe.dispose();
  const pool = await createPool(model, { size, threads });
  // The histogram samples with a 10 ms timer and counts that 10 ms in every sample: subtract it.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const lateMs = (ns: number) => Math.max(0, ns / 1e6 - 10);
  delay.enable();
  let served = 0;

  async function predict(request: http.IncomingMessage) {
    let body;
    try {
      body = JSON.parse(await readBody(request));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, `the body is not JSON: ${(error as Error).message}`);
    }
    if (!body || typeof body !== 'object' || !body.inputs || typeof body.inputs !== 'object') {
      throw new HttpError(400, 'expected {"inputs": {name: [values]}} or {"inputs": [[values], ...]}');
    }
    const started = performance.now();
    const outputs = await pool.run(body.inputs); // runAsync on an idle interpreter of the pool
    served++;
    return { outputs: jsonOutputs(outputs), ms: performance.now() - started };
  }

  const server = http.createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (request.method === 'GET' && url.pathname === '/health') {
        send(response, 200, {
          ok: true,
          pool: { size: pool.size, idle: pool.idle },
          served,
          eventLoopDelayMs: {
            p50: lateMs(delay.percentile(50)), p99: lateMs(delay.percentile(99)), max: lateMs(delay.max),
          },
        });
      } else if (request.method === 'GET' && url.pathname === '/model') {
        send(response, 200, signature);
      } else if (request.method === 'POST' && url.pathname === '/predict') {
        send(response, 200, await predict(request));
      } else {
        throw new HttpError(404, `no route ${request.method} ${url.pathname}`);
      }
    } catch (error) {
      if (error instanceof HttpError) send(response, error.status, { error: error.message });
      else if (error instanceof TfLiteError) send(response, 400, { error: error.message, code: error.code });
      else send(response, 500, { error: String(error && (error as Error).message) });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => {
      delay.disable();
      server.close(() => {
        pool.dispose();
        resolve();
      });
      server.closeIdleConnections?.();
    }),
  };
}

function parseArgs(argv: string[]) {
  const options: ServerOptions = { model: path.join(FIXTURES, 'convnet.tflite') };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--model') options.model = value;
    else if (flag === '--port') options.port = Number(value);
    else if (flag === '--pool') options.pool = Number(value);
    else if (flag === '--threads') options.threads = Number(value);
    else throw new Error(`unknown option ${flag} (use --model, --port, --pool, --threads)`);
  }
  return options;
}

if (require.main === module) {
  const options = parseArgs(process.argv.slice(2));
  startServer(options).then((running) => {
    const fixture = path.basename(options.model) === 'convnet.tflite' ? ' (a test fixture with random weights)' : '';
    console.log(`listening on ${running.url} (model ${options.model}${fixture}, pool ${options.pool ?? 2})`);
    const stop = () => running.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }).catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}

