import type WebSocket from 'ws';
import { Channel, nodeTransport } from '../../client';

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

/**
 * A real `ws` client for end-to-end tests, on the client library's Channel: records every
 * frame, and waits for frames with a timeout instead of sleeping. `ws` is the socket itself, for
 * tests that send raw bytes or stop reading.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  /** Every message in arrival order, batches flattened. */
  readonly messages: MsgFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly channel: Channel,
    readonly ws: WebSocket,
  ) {
    this.closed = channel.closed.then((info) => {
      this.wake();
      return info;
    });
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
    let ws: WebSocket | undefined;
    let socket: TestSocket | undefined;
    const early: Frame[] = [];
    const record = (frame: Frame): void => {
      if (socket) socket.record(frame);
      else early.push(frame);
    };
    const channel = await Channel.open(url, {
      transport: nodeTransport({ ws: options, onSocket: (s) => (ws = s) }),
      observe: (frame) => record(frame as unknown as Frame),
      onFrame: () => undefined,
    });
    socket = new TestSocket(channel, ws!);
    early.forEach((f) => socket!.record(f));
    return socket;
  }

  /** Sends a frame (or raw text) as it is; a closed socket drops it, as ws does. */
  send(frame: object | string): void {
    if (this.channel.isOpen) this.channel.sendText(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends `frame` with a fresh `ref` and resolves with the answer that echoes it (an error frame too). */
  async ask(frame: object, timeoutMs = 10_000): Promise<Frame> {
    return (await this.channel.askRaw(frame, timeoutMs)) as unknown as Frame;
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
    void this.channel.close();
    return this.closed;
  }

  /** Drops the connection without a close handshake (a network blip). */
  terminate(): Promise<{ code: number; reason: string }> {
    this.ws.terminate();
    return this.closed;
  }

  private record(frame: Frame): void {
    this.frames.push(frame);
    if (frame.op === 'msg') this.messages.push(frame as unknown as MsgFrame);
    if (frame.op === 'batch') this.messages.push(...(frame.items as MsgFrame[]));
    this.wake();
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
