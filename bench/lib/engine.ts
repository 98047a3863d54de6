// One engine = one child process speaking the line protocol of bench/engines/common.ts (C loop, addon, Python, peers).

import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as readline from 'readline';
import { ROOT, liveEngines } from './context';

/** A reply of an engine: { ok, us, ... } (us: the samples of a run). */
export type Reply = { ok?: boolean; error?: string; tflite?: string; us?: number[]; [field: string]: any };
interface Waiter { resolve(msg: Reply): void; reject(error: Error): void }

/** The engines of a run by key ('c', 'c2', 'addon', 'python', a peer's name); null once it failed. */
export type Engines = Record<string, Engine | null | undefined>;

export class Engine {
  readonly name: string;
  stderr: string;
  pending: Waiter[];
  dead: string | null;
  readonly child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<Reply> | null;

  constructor(name: string, command: string, args: readonly string[],
    { env = {}, handshake = false }: { env?: Record<string, string>; handshake?: boolean } = {}) {
    this.name = name;
    this.stderr = '';
    this.pending = [];
    this.dead = null;
    this.child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', ...env } });
    liveEngines.add(this);
    this.ready = handshake ? new Promise((resolve) => this.pending.push({ resolve, reject: resolve as (e: unknown) => void })) : null;
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      let msg: Reply;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      const waiter = this.pending.shift();
      if (waiter) waiter.resolve(msg);
    });
    this.child.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d).slice(-4000); });
    const fail = (why: string): void => {
      this.dead = why;
      for (const w of this.pending.splice(0)) w.reject(new Error(`${this.name}: ${why}\n${this.stderr.slice(-1500)}`));
    };
    this.child.on('error', (e) => fail(`failed to start: ${e.message}`));
    this.child.on('exit', (code, signal) => {
      liveEngines.delete(this);
      fail(`exited (${signal || code})`);
    });
    this.child.stdin.on('error', () => {});
  }

  request(line: string): Promise<Reply> {
    if (this.dead) return Promise.reject(new Error(`${this.name}: ${this.dead}\n${this.stderr.slice(-1500)}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve: (msg: Reply) => (msg.ok === false
        ? reject(new Error(`${this.name}: ${msg.error}${msg.tflite ? ` (${msg.tflite})` : ''}`)) : resolve(msg)), reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  load(slot: number, threads: number, xnnpack: boolean, file: string): Promise<Reply> {
    return this.request(`load ${slot} ${threads} ${xnnpack ? 1 : 0} ${file}`);
  }
  async run(slot: number, variant: string, iters: number, batch: number, warmup: number): Promise<number[]> {
    return (await this.request(`run ${slot} ${variant} ${iters} ${batch} ${warmup}`)).us!;
  }
  free(slot: number): Promise<Reply> {
    return this.request(`free ${slot}`);
  }

  async close(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    try {
      this.child.stdin.write('quit\n');
      this.child.stdin.end();
    } catch { /* already gone */ }
    const timer = setTimeout(() => { if (!this.dead) process.kill(this.child.pid!, 'SIGKILL'); }, 5000);
    await exited;
    clearTimeout(timer);
  }
}

