import WebSocket from 'ws';

/** A server frame as received (JSON object). */
export type Frame = Record<string, unknown> & { op: string };

/** A `msg` frame's fields. */
export interface MsgFrame {
  op: 'msg';
  id: string;
  seq: number;
  ts: number;
  eventTs?: number;
  payload?: unknown;
}

let refs = 0;

/**
 * A real `ws` client for end-to-end tests: records every frame, and waits for frames with a
 * timeout instead of sleeping.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  /** Every message in arrival order, batches flattened. */
  readonly messages: MsgFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      if (frame.op === 'msg') this.messages.push(frame as unknown as MsgFrame);
      if (frame.op === 'batch') this.messages.push(...(frame.items as MsgFrame[]));
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends `frame` with a fresh `ref` and resolves with the answer that echoes it. */
  async ask(frame: object, timeoutMs = 10_000): Promise<Frame> {
    const ref = `r${++refs}`;
    this.send({ ...frame, ref });
    return this.waitFor((f) => f.ref === ref, { timeoutMs, what: `answer to ${JSON.stringify(frame)}` });
  }

  /** The first frame (at index ≥ since) that matches. */
  waitFor(match: (frame: Frame) => boolean, options: { since?: number; timeoutMs?: number; what?: string } = {}): Promise<Frame> {
    const since = options.since ?? 0;
    return this.until(() => this.frames.slice(since).find(match), options.timeoutMs, options.what ?? 'a matching frame');
  }

  /** Resolves once at least `count` messages have arrived. */
  waitMessages(count: number, timeoutMs = 10_000): Promise<MsgFrame[]> {
    return this.until(() => (this.messages.length >= count ? this.messages.slice(0, count) : undefined), timeoutMs, `${count} messages`);
  }

  /** Resolves when `probe` returns a value; rejects after the timeout, saying what it waited for. */
  until<T>(probe: () => T | undefined, timeoutMs = 10_000, what = 'a condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = probe();
        if (value === undefined) return false;
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-3)).slice(0, 500)}`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      if (!check()) this.waiters.push(waiter);
    });
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }

  /** Drops the connection without a close handshake (a network blip). */
  terminate(): Promise<{ code: number; reason: string }> {
    this.ws.terminate();
    return this.closed;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** True when the seqs of one stream run without a gap. */
export function contiguous(messages: readonly MsgFrame[], id: string): boolean {
  const seqs = messages.filter((m) => m.id === id).map((m) => m.seq);
  return seqs.every((seq, i) => i === 0 || seq === seqs[i - 1] + 1);
}
