// A private Mosquitto broker (Debian's `mosquitto` package) on a free loopback port, with a config of its own in a
// temporary folder: for the demo and the tests, never the system's service. Persistence is on, so a broker stopped
// with SIGTERM and started again keeps its clients' sessions and the QoS 1 messages queued for them.
import { spawn, execFileSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** Where Debian installs the broker (it is not on a normal user's PATH). */
export function mosquittoPath(): string | null {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port. */
async function listening(port: number, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - started > timeoutMs) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export class Broker {
  #process: ChildProcess | null = null;
  readonly url: string;
  readonly config: string;

  constructor(readonly dir: string, readonly port: number, readonly binary: string) {
    this.url = `mqtt://127.0.0.1:${port}`;
    this.config = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(this.config, [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      // A subscriber away for a while gets everything it missed (the default keeps 1000 messages).
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'log_dest none',
      '',
    ].join('\n'));
  }

  /** Starts mosquitto; resolves when it accepts connections. */
  async start(): Promise<void> {
    if (this.#process) return;
    const child = spawn(this.binary, ['-c', this.config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#process = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d; });
    child.once('exit', () => { if (this.#process === child) this.#process = null; });
    try {
      await listening(this.port);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}: ${stderr.trim()}`);
    }
  }

  /** Stops it as an operator would (SIGTERM: it saves its sessions and queued messages first). */
  async stop(): Promise<void> {
    const child = this.#process;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.#process = null;
  }

  get running(): boolean {
    return this.#process !== null;
  }
}

/** Starts a private broker (throws, saying how to install it, when mosquitto is missing). */
export async function startBroker(): Promise<Broker> {
  const binary = mosquittoPath();
  if (!binary) throw new Error('mosquitto is not installed: apt-get install -y mosquitto');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-broker-'));
  // Started as root, mosquitto drops to its own user: that user must be able to write its persistence file here.
  if (process.getuid?.() === 0) {
    try {
      const uid = Number(execFileSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', 'mosquitto'], { encoding: 'utf8' }));
      fs.chownSync(dir, uid, gid);
    } catch { /* no such user: mosquitto stays root */ }
  }
  const broker = new Broker(dir, await freePort(), binary);
  await broker.start();
  return broker;
}
