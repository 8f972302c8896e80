import type { MessageEnvelope } from '../common/envelope';
import type { ClientMessage } from '../client';
import type { Payload } from '../common/json';

/** A message as the client library hands it out (bytes payloads decoded). */
export type MsgFields = ClientMessage;

/** One NDJSON line: the message's fields, without the frame's `op`; bytes as base64 in `bytes`. */
export function ndjsonLine(msg: MsgFields): string {
  const { id, seq, epoch, ts, eventTs, payload, state, cached } = msg;
  const body = payload instanceof Uint8Array ? { bytes: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64') } : { payload };
  const marks = { ...(state === true ? { state } : {}), ...(cached === true ? { cached } : {}) };
  return JSON.stringify({ id, seq, epoch, ts, ...(eventTs === undefined ? {} : { eventTs }), ...body, ...marks });
}

function clock(ts: number): string {
  return new Date(ts).toISOString().slice(11, 23);
}

/** `12:00:01.250  synthetic::btcusdt.ticks  #42  {"price":…}`, the payload cut to fit a line. */
export function prettyLine(msg: MsgFields): string {
  const body = msg.payload instanceof Uint8Array ? `<${msg.payload.length} bytes>` : JSON.stringify(msg.payload);
  return `${clock(msg.ts)}  ${msg.id}  #${msg.seq}  ${body.length > 160 ? `${body.slice(0, 157)}...` : body}`;
}

/** The envelope a RecordingWriter takes. */
export function toEnvelope(msg: MsgFields): MessageEnvelope {
  const payload: Payload = msg.payload;
  return { type: 'message', id: msg.id, seq: msg.seq, epoch: msg.epoch ?? '', ts: msg.ts, ...(msg.eventTs === undefined ? {} : { eventTs: msg.eventTs }), payload };
}

/** A live `N msgs  R/s` line on a terminal's stderr, rewritten in place twice a second. */
export class RateLine {
  private count = 0;
  private lastCount = 0;
  private lastAt = Date.now();
  private shown = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.timer = setInterval(() => this.draw(), 500);
    this.timer.unref();
  }

  add(n: number): void {
    this.count += n;
  }

  /** Wipes the line so output on the same terminal starts clean; the timer draws it again. */
  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private draw(): void {
    const now = Date.now();
    const rate = ((this.count - this.lastCount) * 1000) / Math.max(1, now - this.lastAt);
    this.lastCount = this.count;
    this.lastAt = now;
    this.out.write(`\r\x1b[K${this.count} msgs  ${rate.toFixed(0)}/s`);
    this.shown = true;
  }
}
