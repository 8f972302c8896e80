import type { Observable, Subscription } from 'rxjs';
import type { Envelope, MessageEnvelope, Notice } from '../common/envelope';

/** Resolves with the first envelope that satisfies `predicate`; rejects after `timeoutMs`. */
export function waitForEnvelope<E extends Envelope = Envelope>(
  envelopes: Observable<Envelope>,
  predicate: (envelope: Envelope) => envelope is E,
  timeoutMs?: number,
): Promise<E>;
export function waitForEnvelope(envelopes: Observable<Envelope>, predicate: (envelope: Envelope) => boolean, timeoutMs?: number): Promise<Envelope>;
export function waitForEnvelope(envelopes: Observable<Envelope>, predicate: (envelope: Envelope) => boolean, timeoutMs = 5000): Promise<Envelope> {
  return new Promise((resolve, reject) => {
    let subscription: Subscription | undefined;
    let done = false;
    const finish = (settle: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
      settle();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no matching envelope within ${timeoutMs} ms`))), timeoutMs);
    subscription = envelopes.subscribe({
      next: (envelope) => {
        if (predicate(envelope)) finish(() => resolve(envelope));
      },
      complete: () => finish(() => reject(new Error('the envelopes completed before a matching one arrived'))),
    });
    if (done) subscription.unsubscribe();
  });
}

export const isMessage = (envelope: Envelope): envelope is MessageEnvelope => envelope.type === 'message';

export function isNotice<K extends Notice['kind']>(kind: K): (envelope: Envelope) => envelope is Extract<Notice, { kind: K }> {
  return (envelope): envelope is Extract<Notice, { kind: K }> => envelope.type === 'notice' && envelope.kind === kind;
}

/** Polls `predicate` on every turn of the event loop until it holds; rejects after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Records everything a client Observable delivers, so a test can wait for what it needs and
 * then look at the whole sequence.
 */
export class EnvelopeRecorder {
  readonly envelopes: Envelope[] = [];
  completed = false;
  private readonly subscription: Subscription;

  constructor(source: Observable<Envelope>) {
    this.subscription = source.subscribe({
      next: (envelope) => this.envelopes.push(envelope),
      complete: () => (this.completed = true),
    });
  }

  get messages(): MessageEnvelope[] {
    return this.envelopes.filter(isMessage);
  }

  notices<K extends Notice['kind']>(kind: K): Extract<Notice, { kind: K }>[] {
    return this.envelopes.filter(isNotice(kind));
  }

  waitFor(predicate: (recorder: EnvelopeRecorder) => boolean, timeoutMs = 5000, what = 'envelopes'): Promise<void> {
    return waitUntil(() => predicate(this), timeoutMs, what);
  }

  stop(): void {
    this.subscription.unsubscribe();
  }
}
