import { ClientError } from './errors';
import type { AnswerFrame, AnswerTo, AskOp, ClientFrame, Ref, ServerFrame } from './protocol';
import type { Transport, TransportFactory } from './transport';

/** An ask waiting for the frame that echoes its ref. */
interface Waiter {
  readonly resolve: (frame: AnswerFrame) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export interface ChannelOptions {
  readonly transport: TransportFactory;
  readonly token?: string;
  /** How long an ask waits for its answer (default 30 s). */
  readonly askTimeoutMs?: number;
  /** How long the opening handshake may take (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Frames that answer no ask of this channel: messages, notices, errors without a known ref. */
  readonly onFrame: (frame: ServerFrame) => void;
  /** Every frame, answers included, before anything else sees it (recorders, logs). */
  readonly observe?: (frame: ServerFrame) => void;
  /** A frame that is not a JSON object with an `op` (a server bug). */
  readonly onUnreadable?: (text: string) => void;
}

type Omitted<F> = F extends unknown ? Omit<F, 'ref'> : never;
/** A frame to send; the channel adds the ref. */
export type Outgoing<Op extends ClientFrame['op'] = ClientFrame['op']> = Omitted<Extract<ClientFrame, { op: Op }>>;

let channels = 0;

/**
 * One socket to the gateway: asks carry a fresh `ref` and resolve with the frame that echoes
 * it (an `error` answer rejects with its code); everything else goes to `onFrame`. No state of
 * its own beyond the socket: sessions and reconnects are the client's business.
 */
export class Channel {
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiting = new Map<string, Waiter>();
  private readonly prefix = `c${++channels}-`;
  private nextRef = 1;
  private ended = false;

  private constructor(
    private readonly transport: Transport,
    private readonly options: ChannelOptions,
    closed: Promise<{ code: number; reason: string }>,
  ) {
    this.closed = closed;
  }

  /** Opens the socket and resolves once it is open; rejects with CONNECT_FAILED. */
  static open(url: string, options: ChannelOptions): Promise<Channel> {
    return new Promise((resolve, reject) => {
      let channel: Channel | undefined;
      let markClosed!: (info: { code: number; reason: string }) => void;
      const closed = new Promise<{ code: number; reason: string }>((r) => (markClosed = r));
      const transport = options.transport(
        url,
        { ...(options.token === undefined ? {} : { token: options.token }), handshakeTimeoutMs: options.connectTimeoutMs ?? 10_000 },
        {
          open: () => resolve(channel!),
          text: (data) => channel?.receive(data),
          error: (error) => reject(error),
          close: (code, reason) => {
            reject(new ClientError('CONNECT_FAILED', `cannot connect to ${url} (closed ${code})`));
            channel?.end(code);
            markClosed({ code, reason });
          },
        },
      );
      channel = new Channel(transport, options, closed);
    });
  }

  get isOpen(): boolean {
    return !this.ended && this.transport.isOpen;
  }

  /** Sends `frame` with a fresh ref and resolves with its answer. */
  async ask<Op extends AskOp>(frame: Outgoing<Op>, timeoutMs?: number): Promise<AnswerTo[Op]> {
    const answer = await this.askRaw(frame, timeoutMs);
    if (answer.op === 'error') throw new ClientError(answer.code, answer.message);
    return answer as AnswerTo[Op];
  }

  /** Like `ask`, but an `error` answer resolves as the frame it is (protocol tests want to see it). */
  askRaw(frame: object, timeoutMs = this.options.askTimeoutMs ?? 30_000): Promise<AnswerFrame> {
    if (!this.isOpen) return Promise.reject(new ClientError('CONNECTION_LOST', 'the connection is not open'));
    const ref = this.prefix + this.nextRef++;
    return new Promise((resolve, reject) => {
      const op = (frame as { op?: unknown }).op;
      const timer = setTimeout(() => {
        this.waiting.delete(ref);
        reject(new ClientError('NO_ANSWER', `no answer to ${String(op)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(ref, { resolve, reject, timer });
      this.transport.send(JSON.stringify({ ...frame, ref }));
    });
  }

  /** Sends without waiting for an answer; returns the ref it carries, so a later error can be matched. */
  send(frame: Outgoing): Ref {
    const ref = this.prefix + this.nextRef++;
    this.sendText(JSON.stringify({ ...frame, ref }));
    return ref;
  }

  /** Sends text as it is (protocol tests send broken frames on purpose). */
  sendText(text: string): void {
    if (!this.isOpen) throw new ClientError('CONNECTION_LOST', 'the connection is not open');
    this.transport.send(text);
  }

  /** A close handshake; resolves once the socket is closed. Safe to call twice. */
  close(code = 1000, reason = ''): Promise<{ code: number; reason: string }> {
    if (!this.ended) this.transport.close(code, reason);
    return this.closed;
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return this.options.onUnreadable?.(text);
    }
    if (typeof frame !== 'object' || frame === null || typeof (frame as { op?: unknown }).op !== 'string') return this.options.onUnreadable?.(text);
    this.options.observe?.(frame);
    const ref = (frame as { ref?: unknown }).ref;
    const waiter = typeof ref === 'string' ? this.waiting.get(ref) : undefined;
    if (waiter === undefined) return this.options.onFrame(frame);
    this.waiting.delete(ref as string);
    clearTimeout(waiter.timer);
    waiter.resolve(frame as AnswerFrame);
  }

  private end(code: number): void {
    this.ended = true;
    for (const waiter of this.waiting.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new ClientError('CONNECTION_LOST', `the connection closed (${code}) before the answer`));
    }
    this.waiting.clear();
  }
}
