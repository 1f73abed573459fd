import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

// The same binary and working directory as the server of playwright.config.ts (the repository
// root, where target/site holds the site files).
const root = path.resolve(__dirname, '..', '..', '..');
const bin = path.resolve(root, process.env.AGORA_BIN ?? '../target/debug/agora');

function exited(child: ChildProcess) {
  return child.exitCode !== null || child.signalCode !== null;
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * An Agora server of a test's own, on a durable database in a temporary folder, so the test can
 * stop it and start it again on the same data (the shared server of the config runs on `mem://`
 * and lives for the whole run). Each start takes a free port: tests reach it through a proxy, or
 * by `url`.
 */
export class OwnServer {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-e2e-'));
  private child?: ChildProcess;
  private output = '';
  port = 0;

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    this.port = await freePort();
    const db = `surrealkv://${path.join(this.dir, 'db')}`;
    const child = spawn(bin, ['serve', '--addr', `127.0.0.1:${this.port}`, '--db', db], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (exited(child)) break;
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`agora did not come up on ${this.url}:\n${this.output}`);
  }

  /** Stops the server (Ctrl-C, as a person would; killed if it has not gone within 10 s). */
  async stop() {
    const child = this.child;
    if (!child || exited(child)) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  async dispose() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
