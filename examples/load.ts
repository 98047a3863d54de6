#!/usr/bin/env node
// Load for examples/server.ts: sends N /predict requests, C at a time, while polling /health on its own connection,
// and reports request latency and throughput next to /health latency and the server's event-loop delay. A server
// that ran models on the event loop would answer /health only between runs; this one answers it at once.
//
//   node dist/examples/load.js [--url http://127.0.0.1:8080] [--requests 200] [--concurrency 8] [--json]
import * as http from 'http';

/** A reply: its status, its body parsed (null when it is not JSON), and how long it took. */
interface Reply { status: number | undefined; json: any; ms: number }

/** Percentiles of a list of times (ms). */
interface Stats { count: number; p50: number; p90: number; p99: number; max: number }

/** What /health says about the event loop (examples/server.ts). */
interface Delay { p50: number; p99: number; max: number }

function request(agent: http.Agent, url: string, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method, agent, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = null;
          try { json = JSON.parse(text); } catch { /* reported below */ }
          resolve({ status: res.statusCode, json, ms: performance.now() - started });
        });
      });
    req.on('error', reject);
    req.end(body);
  });
}

function stats(values: number[]): Stats | null {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return sorted.length === 0 ? null : { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] };
}

/** Random numbers for every input of the model (as /model describes it). */
function randomInputs(model: { inputs: { name: string; dtype: string; shape: number[] }[] }) {
  const inputs: Record<string, number[]> = {};
  for (const input of model.inputs) {
    const count = input.shape.reduce((a, b) => a * b, 1);
    const integer = /int/.test(input.dtype);
    inputs[input.name] = Array.from({ length: count }, () => (integer ? Math.floor(Math.random() * 100) : Math.random()));
  }
  return inputs;
}

/** Runs the load; resolves to the report. Bounded: `requests` requests, then it stops. */
/** What load() takes (the command line's flags). */
export interface LoadOptions { url?: string; requests?: number; concurrency?: number; healthEveryMs?: number; json?: boolean }

export async function load({ url = 'http://127.0.0.1:8080', requests = 200, concurrency = 8, healthEveryMs = 20 }: LoadOptions = {}) {
  const work = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const probe = new http.Agent({ keepAlive: true, maxSockets: 1 }); // /health never waits behind /predict
  try {
    const model = (await request(probe, `${url}/model`)).json;
    const body = JSON.stringify({ inputs: randomInputs(model) });
    const latencies: number[] = [];
    const failures: string[] = [];
    const health: { ms: number; idle: number; delay: Delay }[] = [];
    let sent = 0;
    let done = false;

    const poller = (async () => {
      while (!done) {
        const reply = await request(probe, `${url}/health`);
        if (reply.status === 200) health.push({ ms: reply.ms, idle: reply.json.pool.idle, delay: reply.json.eventLoopDelayMs });
        await new Promise((resolve) => setTimeout(resolve, healthEveryMs));
      }
    })();

    const started = performance.now();
    const worker = async () => {
      while (sent < requests) {
        sent++;
        const reply = await request(work, `${url}/predict`, 'POST', body);
        if (reply.status === 200) latencies.push(reply.ms);
        else failures.push(`${reply.status}: ${reply.json?.error}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    done = true;
    await poller;
    const last = health[health.length - 1];
    return {
      requests,
      concurrency,
      ok: latencies.length,
      failures,
      seconds,
      requestsPerSecond: latencies.length / seconds,
      predictMs: stats(latencies),
      healthMs: stats(health.map((h) => h.ms)),
      healthChecks: health.length,
      busyHealthChecks: health.filter((h) => h.idle === 0).length,
      serverEventLoopDelayMs: last ? last.delay : null,
    };
  } finally {
    work.destroy();
    probe.destroy();
  }
}

function parseArgs(argv: string[]) {
  const options: LoadOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') options.json = true;
    else if (flag === '--url') options.url = argv[++i];
    else if (flag === '--requests') options.requests = Number(argv[++i]);
    else if (flag === '--concurrency') options.concurrency = Number(argv[++i]);
    else throw new Error(`unknown option ${flag} (use --url, --requests, --concurrency, --json)`);
  }
  return options;
}

if (require.main === module) {
  const options = parseArgs(process.argv.slice(2));
  load(options).then((r) => {
    if (options.json) {
      console.log(JSON.stringify(r, null, 2));
    } else {
      const f = (s: Stats | null) => (s ? `p50 ${s.p50.toFixed(2)} ms, p90 ${s.p90.toFixed(2)} ms, max ${s.max.toFixed(2)} ms` : 'none');
      console.log(`${r.ok}/${r.requests} requests ok in ${r.seconds.toFixed(2)} s (${r.requestsPerSecond.toFixed(0)}/s, ` +
        `${r.concurrency} at a time)`);
      console.log(`  /predict  ${f(r.predictMs)}`);
      console.log(`  /health   ${f(r.healthMs)} (${r.healthChecks} checks, ${r.busyHealthChecks} while every ` +
        'interpreter was busy)');
      if (r.serverEventLoopDelayMs) {
        const d = r.serverEventLoopDelayMs;
        console.log(`  server event-loop delay: p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms, max ${d.max.toFixed(2)} ms`);
      }
      for (const failure of r.failures.slice(0, 5)) console.log(`  failed: ${failure}`);
    }
    if (r.failures.length > 0) process.exitCode = 1;
  }).catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}

