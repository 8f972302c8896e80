import type { ControlOp } from './link';
import { Waiters, type StreamRejection } from './waiters';

export interface StreamBookHost {
  now(): number;
  setTimeout(callback: () => void, ms: number): () => void;
  guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  streamDown(stream: string, reason: string): void;
  streamUp(stream: string): void;
  /** Some held-back streams may be retried now. */
  retry(): void;
}

/**
 * The streams one connection should carry, and what has been said about them: callers waiting in
 * `subscribe`, streams reported down (so each down gets exactly one up), and streams the exchange
 * refused on a resubscribe, held back until a retry time.
 */
export class StreamBook {
  readonly wanted = new Set<string>();
  private readonly waiters = new Waiters();
  private readonly heldBack = new Map<string, number>();
  private readonly down = new Set<string>();
  private cancelRetry: (() => void) | undefined;

  constructor(
    private readonly host: StreamBookHost,
    private readonly subscribeTimeoutMs: number,
    private readonly retryAfterMs: number,
  ) {}

  /** Adds streams; resolves when each of those not `carried` yet is confirmed or refused. */
  want(streams: readonly string[], carried: (stream: string) => boolean): Promise<StreamRejection[]> {
    for (const s of streams) {
      this.wanted.add(s);
      this.heldBack.delete(s);
    }
    const open = streams.filter((s) => !carried(s));
    const expire = this.host.guard((late: string[]) => {
      for (const s of late) {
        this.wanted.delete(s);
        this.waiters.settle(s, `not confirmed within ${this.subscribeTimeoutMs} ms`);
      }
      this.host.retry();
    });
    return this.waiters.wait(open, this.subscribeTimeoutMs, this.host.setTimeout, expire);
  }

  drop(streams: readonly string[]): void {
    for (const s of streams) {
      this.wanted.delete(s);
      this.heldBack.delete(s);
      this.down.delete(s);
      this.waiters.settle(s, 'unsubscribed');
    }
  }

  /** Whether a socket should leave `stream` alone for now. */
  isHeldBack(stream: string, now: number): boolean {
    return (this.heldBack.get(stream) ?? 0) > now;
  }

  confirmed(stream: string): void {
    if (!this.wanted.has(stream)) return;
    this.waiters.settle(stream, undefined);
    if (this.down.delete(stream)) this.host.streamUp(stream);
  }

  /** A refused SUBSCRIBE fails its caller; on a resubscribe it holds the stream down for a while. */
  refused(stream: string, op: ControlOp, error: string): void {
    if (op === 'subscribe') {
      if (!this.wanted.has(stream)) return;
      if (this.waiters.has(stream)) {
        this.wanted.delete(stream);
        return this.waiters.settle(stream, error);
      }
      this.markDown(stream, error);
    }
    this.heldBack.set(stream, this.host.now() + this.retryAfterMs);
    this.armRetry();
  }

  /** The socket carrying `streams` dropped. */
  lost(streams: Iterable<string>, reason: string): void {
    for (const s of streams) if (this.wanted.has(s)) this.markDown(s, reason);
  }

  close(): void {
    this.cancelRetry?.();
    this.waiters.failAll('connection closed');
  }

  private markDown(stream: string, reason: string): void {
    if (this.down.has(stream)) return;
    this.down.add(stream);
    this.host.streamDown(stream, reason);
  }

  private armRetry(): void {
    if (this.cancelRetry) return;
    const retry = (): void => {
      this.cancelRetry = undefined;
      const now = this.host.now();
      for (const [s, until] of this.heldBack) if (until <= now) this.heldBack.delete(s);
      this.host.retry();
      if (this.heldBack.size > 0) this.armRetry();
    };
    const next = Math.min(...this.heldBack.values());
    this.cancelRetry = this.host.setTimeout(this.host.guard(retry), Math.max(0, next - this.host.now()));
  }
}
