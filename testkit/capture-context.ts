import type { Cancel, Clock } from '../common/clock';
import { ManualClock } from './manual-clock';
import type { Payload } from '../common/json';
import { silentLogger, type Logger } from '../common/logger';
import type { BridgeContext } from '../providers/contract';
import { parseIdentifier, type Identifier } from '../router/identifier';

export interface CapturedEmit {
  /** Canonical identifier text. */
  readonly id: string;
  /** The object the provider passed, to check it reuses one Identifier per stream. */
  readonly identifier: Identifier | string;
  readonly payload: Payload;
  readonly eventTs?: number;
}

export type CapturedEvent =
  | { readonly kind: 'stream-down'; readonly id: string; readonly reason: string }
  | { readonly kind: 'stream-up'; readonly id: string }
  | { readonly kind: 'provider-down'; readonly reason: string }
  | { readonly kind: 'provider-up' };

export interface CaptureContextOptions {
  name?: string;
  clock?: Clock;
  logger?: Logger;
}

/**
 * A ProviderContext for unit tests: records emits, status reports and failures, and runs timers
 * on an injectable clock (a ManualClock by default). Timer callbacks that throw are recorded as
 * failures, as the real host would turn them into crashes.
 */
export class CaptureContext implements BridgeContext {
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly emits: CapturedEmit[] = [];
  readonly events: CapturedEvent[] = [];
  readonly failures: unknown[] = [];
  private readonly live = new Set<() => void>();
  private readonly parsed = new Map<string, Identifier>();
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(options: CaptureContextOptions = {}) {
    this.name = options.name ?? 'test';
    this.clock = options.clock ?? new ManualClock();
    this.logger = options.logger ?? silentLogger();
  }

  /** The clock as a ManualClock; throws if another clock was injected. */
  get manual(): ManualClock {
    if (!(this.clock instanceof ManualClock)) throw new Error('CaptureContext: clock is not a ManualClock');
    return this.clock;
  }

  /** Timers started through this context and not yet finished or cancelled. */
  get activeTimers(): number {
    return this.live.size;
  }

  emit(id: Identifier | string, payload: Payload, eventTs?: number): void {
    const canonical = typeof id === 'string' ? this.resolve(id).canonical : id.canonical;
    this.emits.push(eventTs === undefined ? { id: canonical, identifier: id, payload } : { id: canonical, identifier: id, payload, eventTs });
    if (this.waiters.length > 0) this.settleWaiters();
  }

  /** Recorded like `emit`; the forwarded position and ts are not kept. */
  forward(id: Identifier | string, _epoch: string, _seq: number, _ts: number, payload: Payload, eventTs?: number): void {
    this.emit(id, payload, eventTs);
  }

  /** Gap notices the provider announced, per stream (canonical text), with their reasons. */
  readonly gaps: { readonly id: string; readonly reason: string; readonly afterEmits: number }[] = [];
  /** State suppliers of the streams the provider marked stateful. */
  readonly states = new Map<string, () => Payload | undefined>();

  gap(id: Identifier | string, reason: string): void {
    this.gaps.push({ id: typeof id === 'string' ? this.resolve(id).canonical : id.canonical, reason, afterEmits: this.emits.length });
  }

  stateful(id: Identifier | string, state: (() => Payload | undefined) | undefined): void {
    const canonical = typeof id === 'string' ? this.resolve(id).canonical : id.canonical;
    if (state === undefined) this.states.delete(canonical);
    else this.states.set(canonical, state);
  }

  /** Resolves once `count` messages have been emitted in all; rejects after `timeoutMs` of real time. */
  waitForEmits(count: number, timeoutMs = 2_000): Promise<void> {
    if (this.emits.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`CaptureContext: ${this.emits.length} of ${count} emits after ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private settleWaiters(): void {
    const done = this.waiters.filter((w) => this.emits.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.emits.length < w.count);
    for (const w of done) w.resolve();
  }

  /** Payloads emitted on one stream (canonical text), in order. */
  payloadsOf(id: string): Payload[] {
    return this.emits.filter((e) => e.id === id).map((e) => e.payload);
  }

  streamDown(id: Identifier, reason: string): void {
    this.events.push({ kind: 'stream-down', id: id.canonical, reason });
  }

  streamUp(id: Identifier): void {
    this.events.push({ kind: 'stream-up', id: id.canonical });
  }

  providerDown(reason: string): void {
    this.events.push({ kind: 'provider-down', reason });
  }

  providerUp(): void {
    this.events.push({ kind: 'provider-up' });
  }

  fail(error: unknown): void {
    this.failures.push(error);
  }

  setTimeout(callback: () => void, ms: number): () => void {
    const cancel = (): void => {
      if (this.live.delete(cancel)) cancelTimer();
    };
    const cancelTimer = this.clock.setTimeout(() => {
      this.live.delete(cancel);
      this.guard(callback);
    }, ms);
    this.live.add(cancel);
    return cancel;
  }

  setInterval(callback: () => void, ms: number): () => void {
    let cancelTimer: Cancel = () => undefined;
    const cancel = (): void => {
      if (this.live.delete(cancel)) cancelTimer();
    };
    const arm = (): void => {
      cancelTimer = this.clock.setTimeout(() => {
        arm();
        this.guard(callback);
      }, ms);
    };
    arm();
    this.live.add(cancel);
    return cancel;
  }

  /** Cancels every timer still alive, as the host does when a provider stops. */
  dispose(): void {
    for (const cancel of [...this.live]) cancel();
  }

  private guard(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.failures.push(error);
    }
  }

  private resolve(text: string): Identifier {
    let id = this.parsed.get(text);
    if (!id) {
      id = parseIdentifier(text.includes('::') ? text : `${this.name}::${text}`);
      this.parsed.set(text, id);
    }
    return id;
  }
}
