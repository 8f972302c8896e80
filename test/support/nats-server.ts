import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * A throwaway nats-server on 127.0.0.1 for tests and benchmarks: a child process on a free
 * port, restartable on the same port (to play a NATS outage), killed when done.
 * Jest-free, so the standalone benchmark can use it too.
 */

/** The nats-server binary: NATS_SERVER_BIN, else PATH, else /usr/sbin (Debian's package). */
export function natsServerBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  const candidates = [process.env.NATS_SERVER_BIN, ...dirs.filter((d) => d.length > 0).map((d) => join(d, 'nats-server'))];
  return candidates.find((path): path is string => path !== undefined && existsSync(path));
}

export const NATS_MISSING = 'nats-server not found (install it: apt-get install -y nats-server, or set NATS_SERVER_BIN)';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export class NatsServer {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly binary: string,
    readonly port: number,
  ) {}

  /** Starts a server on a free loopback port (a fresh one if the first is snatched meanwhile). */
  static async start(timeoutMs = 15_000): Promise<NatsServer> {
    const binary = natsServerBinary();
    if (binary === undefined) throw new Error(NATS_MISSING);
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const server = new NatsServer(binary, await freePort());
      try {
        await server.launch(timeoutMs);
        return server;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The server's process id while it runs (the bench pins it to a core). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** SIGKILL: every client sees its connection drop at once, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts again on the same port; retried while the port is still being let go. */
  async restart(timeoutMs = 15_000): Promise<void> {
    await this.kill();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.launch(Math.max(1_000, deadline - Date.now()));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  stop(): Promise<void> {
    return this.kill();
  }

  /** Resolves when the server logs that it is ready; rejects if it exits first. */
  private launch(timeoutMs: number): Promise<void> {
    const child = spawn(this.binary, ['-a', '127.0.0.1', '-p', String(this.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let log = '';
    return new Promise<void>((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        if (this.child === child) this.child = undefined;
        child.kill('SIGKILL');
        reject(new Error(`nats-server on port ${this.port} ${why}:\n${log.slice(-2_000)}`));
      };
      const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => fail(`failed to start (${error.message})`));
      child.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
    });
  }
}
