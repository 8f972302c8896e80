import type { Identifier } from '../router/identifier';
import type { Pattern } from '../router/pattern';
import { reportError } from './events';
import type { ClientMessage } from './messages';

export interface SubscriptionOptions {
  /** Called for each message instead of queueing it for the iterator. */
  readonly onMessage?: (message: ClientMessage) => void;
  /** Most messages waiting for the iterator; past it the oldest is dropped and counted. */
  readonly maxQueued?: number;
}

/**
 * The messages of some patterns, as an async iterable (or a callback). `close()` lets the
 * patterns go (unless another subscription holds them) and ends the iteration.
 */
export class Subscription implements AsyncIterable<ClientMessage> {
  /** Messages dropped because nothing read them fast enough (each one also a `gap` event). */
  dropped = 0;
  private readonly queue: ClientMessage[] = [];
  private head = 0;
  private waiter: ((result: IteratorResult<ClientMessage>) => void) | undefined;
  private ended = false;
  private closing: Promise<void> | undefined;

  constructor(
    /** Canonical patterns. */
    readonly patterns: readonly string[],
    private readonly matchers: readonly Pattern[],
    private readonly release: (sub: Subscription) => Promise<void>,
    private readonly options: SubscriptionOptions,
    private readonly onOverflow: (message: ClientMessage) => void,
  ) {}

  get closed(): boolean {
    return this.ended;
  }

  matches(id: Identifier): boolean {
    return this.matchers.some((p) => p.matches(id));
  }

  /** Lets the patterns go and ends the iteration. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.end();
      await this.release(this);
    })();
    return this.closing;
  }

  [Symbol.asyncIterator](): AsyncIterator<ClientMessage> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** @internal */
  deliver(message: ClientMessage): void {
    if (this.ended) return;
    if (this.options.onMessage) {
      try {
        this.options.onMessage(message);
      } catch (error) {
        reportError(error);
      }
      return;
    }
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      return wake({ done: false, value: message });
    }
    if (this.queue.length - this.head >= (this.options.maxQueued ?? 100_000)) {
      const oldest = this.queue[this.head++];
      this.dropped++;
      this.onOverflow(oldest);
    }
    this.queue.push(message);
  }

  /** @internal The client is gone: what is queued can still be read, then the iteration ends. */
  end(): void {
    this.ended = true;
    const wake = this.waiter;
    this.waiter = undefined;
    wake?.({ done: true, value: undefined });
  }

  private next(): Promise<IteratorResult<ClientMessage>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
