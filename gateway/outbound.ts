import type { Envelope, MessageEnvelope } from '../common/envelope';
import type { GatewayCounters } from './counters';
import { ENVELOPE_OVERHEAD_BYTES } from '../common/payload-size';
import { encodeNotice } from './encode';
import { frameOf } from './shared-runs';

/** The part of a `ws` socket the queue needs (a fake one in unit tests). */
export interface SendTarget {
  readonly readyState: number;
  readonly bufferedAmount: number;
  /** A Buffer is sent as a text frame too (`binary: false`): it is already UTF-8 JSON. */
  send(data: string | Buffer, options: { readonly binary: false }, callback: (error?: Error) => void): void;
}

/** Who to slow down when the socket's send buffer fills (the attached session's client). */
export interface FlowTarget {
  pause(): void;
  resume(): void;
  /** Envelopes that never reached the socket (it closed): given back to be announced or queued again. */
  undelivered?(envelopes: readonly Envelope[]): void;
}

export interface OutboundOptions {
  /** Pause the session when the socket has more than this many bytes queued. */
  readonly highWaterBytes: number;
  /** Resume once the queue has drained to this. */
  readonly lowWaterBytes: number;
  /** Most messages in one `batch` frame. */
  readonly maxBatch: number;
  /** A message that cannot be encoded (a provider's cyclic payload, say) is skipped and reported here. */
  readonly onEncodeError?: (error: unknown, msg: MessageEnvelope) => void;
  /** Frames, bytes and pauses are counted here for `/metrics`. */
  readonly counters?: GatewayCounters;
}

const OPEN = 1;
const TEXT = { binary: false } as const;

/**
 * Everything one socket sends, in order: answers and envelopes. Envelopes that arrive in the same
 * synchronous burst are flushed together in a microtask, consecutive messages as one `batch`
 * frame. When the socket's buffer passes the high-water mark the session is paused (it buffers
 * under its own bound and overflow policy) until the send callbacks show the buffer drained.
 * `inbound` (the socket's reading side) is paused too, so a client that sends without reading
 * cannot make the server queue answers without bound.
 */
export class Outbound {
  private pending: (Envelope | string)[] = [];
  /** Bytes queued in `pending`: counted with the socket's own buffer against the high-water mark. */
  private pendingBytes = 0;
  private scheduled = false;
  private congested = false;
  private target: FlowTarget | undefined;

  constructor(
    private readonly socket: SendTarget,
    private readonly options: OutboundOptions,
    private readonly inbound?: FlowTarget,
  ) {}

  /** An already-encoded frame (an answer or error). */
  pushText(text: string): void {
    this.pending.push(text);
    this.queued(text.length);
  }

  pushEnvelope(envelope: Envelope): void {
    this.pending.push(envelope);
    this.queued(envelope.type === 'message' ? (envelope.size ?? ENVELOPE_OVERHEAD_BYTES) : ENVELOPE_OVERHEAD_BYTES);
  }

  /**
   * A session delivers everything it holds in one synchronous burst; pausing it as soon as the
   * burst and the socket's buffer pass the high-water mark stops the burst there, so this queue
   * never holds more than the mark and one message.
   */
  private queued(bytes: number): void {
    this.pendingBytes += bytes;
    if (!this.congested && this.pendingBytes + this.socket.bufferedAmount > this.options.highWaterBytes) this.congest();
    this.schedule();
  }

  private congest(): void {
    this.congested = true;
    this.target?.pause();
    this.inbound?.pause();
  }

  /** The client to pause and resume; a new one inherits the socket's current congestion. */
  setFlowTarget(target: FlowTarget | undefined): void {
    this.target = target;
    if (target && this.congested) target.pause();
  }

  /** Sends everything queued now (before a close, for example). */
  flush(): void {
    this.scheduled = false;
    const items = this.pending;
    if (items.length === 0) return;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.socket.readyState !== OPEN) return this.giveBack(items);
    let run: MessageEnvelope[] = [];
    for (const item of items) {
      if (typeof item !== 'string' && item.type === 'message') {
        run.push(item);
        if (run.length >= this.options.maxBatch) run = this.sendRun(run);
        continue;
      }
      run = this.sendRun(run);
      if (typeof item === 'string') this.send(item);
      else this.send(encodeNotice(item), [item]);
    }
    this.sendRun(run);
  }

  /**
   * The socket closed (a graceful close leaves it CLOSING for a while, during which the session
   * still delivers): what it was handed goes back to the session, and delivery stops.
   */
  private giveBack(items: readonly (Envelope | string)[]): void {
    const envelopes = items.filter((item): item is Envelope => typeof item !== 'string');
    this.target?.pause();
    if (envelopes.length > 0) this.target?.undelivered?.(envelopes);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Sends a run of messages (one `msg`, or a `batch`) and returns a fresh, empty run. */
  private sendRun(run: MessageEnvelope[]): MessageEnvelope[] {
    if (run.length === 0) return run;
    const frame = frameOf(run, this.options.onEncodeError);
    if (frame !== undefined) this.send(frame, run);
    return [];
  }

  /** `carried`: the envelopes in the frame, given back if the write fails (the socket died under it). */
  private send(data: string | Buffer, carried?: readonly Envelope[]): void {
    if (this.socket.readyState !== OPEN) {
      if (carried !== undefined) this.giveBack(carried);
      return;
    }
    const target = this.target;
    this.socket.send(
      data,
      TEXT,
      carried === undefined || target?.undelivered === undefined
        ? this.onSent
        : (error) => {
            if (error) target.undelivered?.(carried);
            this.onSent();
          },
    );
    const counters = this.options.counters;
    if (counters) {
      counters.framesOut++;
      counters.bytesOut += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    }
    if (!this.congested && this.socket.bufferedAmount > this.options.highWaterBytes) {
      if (counters) counters.backpressurePauses++;
      this.congest();
    }
  }

  /** Runs as each write leaves the buffer; errors surface on the socket's own close/error events. */
  private readonly onSent = (): void => {
    if (this.congested && this.socket.bufferedAmount <= this.options.lowWaterBytes) {
      this.congested = false;
      this.target?.resume();
      this.inbound?.resume();
    }
  };
}
