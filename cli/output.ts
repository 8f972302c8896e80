import type { MessageEnvelope } from '../common/envelope';
import type { JsonValue, Payload } from '../common/json';

/** A `msg` frame's fields as received. */
export interface MsgFields {
  readonly id: string;
  readonly seq: number;
  /** Absent from recordings made before epochs existed. */
  readonly epoch?: string;
  readonly ts: number;
  readonly eventTs?: number;
  readonly payload?: JsonValue;
  /** Present instead of `payload` for a bytes payload (base64). */
  readonly bytes?: string;
  readonly state?: true;
  readonly cached?: true;
}

/** One NDJSON line: the message's fields, without the frame's `op`. */
export function ndjsonLine(msg: MsgFields): string {
  const { id, seq, epoch, ts, eventTs, payload, bytes, state, cached } = msg;
  const marks = { ...(state === true ? { state } : {}), ...(cached === true ? { cached } : {}) };
  return JSON.stringify({ id, seq, epoch, ts, ...(eventTs === undefined ? {} : { eventTs }), ...(bytes === undefined ? { payload } : { bytes }), ...marks });
}

function clock(ts: number): string {
  return new Date(ts).toISOString().slice(11, 23);
}

/** `12:00:01.250  synthetic::btcusdt.ticks  #42  {"price":…}`, the payload cut to fit a line. */
export function prettyLine(msg: MsgFields): string {
  const body = msg.bytes === undefined ? JSON.stringify(msg.payload) : `<${Buffer.from(msg.bytes, 'base64').length} bytes>`;
  return `${clock(msg.ts)}  ${msg.id}  #${msg.seq}  ${body.length > 160 ? `${body.slice(0, 157)}...` : body}`;
}

/** The envelope a RecordingWriter takes. */
export function toEnvelope(msg: MsgFields): MessageEnvelope {
  const payload: Payload = msg.bytes === undefined ? (msg.payload ?? null) : new Uint8Array(Buffer.from(msg.bytes, 'base64'));
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
