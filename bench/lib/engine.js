'use strict';
// One engine = one child process speaking the line protocol of bench/engines/common.js (C loop, addon, Python, peers).

const { spawn } = require('child_process');
const readline = require('readline');
const { ROOT, liveEngines } = require('./context');

class Engine {
  constructor(name, command, args, { env = {}, handshake = false } = {}) {
    this.name = name;
    this.stderr = '';
    this.pending = [];
    this.dead = null;
    this.child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', ...env } });
    liveEngines.add(this);
    this.ready = handshake ? new Promise((resolve) => this.pending.push({ resolve, reject: resolve })) : null;
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      const waiter = this.pending.shift();
      if (waiter) waiter.resolve(msg);
    });
    this.child.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    const fail = (why) => {
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

  request(line) {
    if (this.dead) return Promise.reject(new Error(`${this.name}: ${this.dead}\n${this.stderr.slice(-1500)}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve: (msg) => (msg.ok === false
        ? reject(new Error(`${this.name}: ${msg.error}${msg.tflite ? ` (${msg.tflite})` : ''}`)) : resolve(msg)), reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  load(slot, threads, xnnpack, file) {
    return this.request(`load ${slot} ${threads} ${xnnpack ? 1 : 0} ${file}`);
  }
  async run(slot, variant, iters, batch, warmup) {
    return (await this.request(`run ${slot} ${variant} ${iters} ${batch} ${warmup}`)).us;
  }
  free(slot) {
    return this.request(`free ${slot}`);
  }

  async close() {
    if (this.dead) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    try {
      this.child.stdin.write('quit\n');
      this.child.stdin.end();
    } catch { /* already gone */ }
    const timer = setTimeout(() => { if (!this.dead) process.kill(this.child.pid, 'SIGKILL'); }, 5000);
    await exited;
    clearTimeout(timer);
  }
}

module.exports = { Engine };
