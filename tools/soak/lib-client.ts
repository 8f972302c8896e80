import type { Subscription } from 'rxjs';
import type { Envelope } from '../../common/envelope';
import type { Client } from '../../common/service-types';
import type { DataService } from '../../data-service';
import type { Holds } from './holds';
import { choosePatterns, PUBLISH_IDS } from './patterns';
import type { Prng } from './prng';
import type { SeqAudit } from './seq-audit';
import { attachOptions, codeOf, SimClient } from './sim-client';

/**
 * A client of the library API: its session lineage survives detach/attach (a client
 * that re-attaches first receives what was buffered), so its audit spans every attachment.
 */
export class LibClient extends SimClient {
  readonly kind = 'lib';
  paused = false;
  private handle: Client | undefined;
  private subscription: Subscription | undefined;

  constructor(
    name: string,
    registry: SeqAudit[],
    steady: boolean,
    private readonly service: DataService,
    private readonly holds: Holds,
  ) {
    super(name, registry, steady);
  }

  async create(prng: Prng): Promise<void> {
    const sessionId = await this.service.newSession({ idleAfterMs: prng.pick([0, 3_000, 10_000]) });
    this.beginSession(sessionId);
    this.state = 'detached';
    await this.attach(prng);
    await this.configure(prng);
  }

  async attach(prng: Prng): Promise<void> {
    const sessionId = this.sessionId!;
    const options = attachOptions(prng);
    let handle: Client;
    try {
      handle = await this.service.attachClient(sessionId, options);
    } catch (error) {
      if (codeOf(error) === 'SESSION_NOT_FOUND') this.retire();
      throw error;
    }
    this.handle = handle;
    this.paused = false;
    this.state = 'attached';
    this.audit.note(`attached ${JSON.stringify(options)}`);
    this.subscription = handle.envelopes.subscribe({
      next: (envelope) => this.onEnvelope(envelope),
      complete: () => {
        if (this.handle !== handle) return;
        this.audit.note('completed');
        this.handle = undefined;
        if (this.state === 'attached') this.state = 'detached';
      },
    });
  }

  async detach(): Promise<void> {
    await this.service.detachClient(this.sessionId!);
    this.audit.note('detached');
    this.dropHandle();
    this.state = 'detached';
  }

  configure(prng: Prng): Promise<void> {
    const patterns = choosePatterns(prng, { fast: false, steady: this.steady });
    const last = this.wantsLast();
    return this.configured(patterns, () => this.service.configureSession(this.sessionId!, patterns, { last }));
  }

  /** A slow consumer: stops taking envelopes for `ms` (the session buffers, then drops). */
  pauseFor(ms: number): void {
    const handle = this.handle;
    if (handle === undefined) return;
    handle.pause();
    this.paused = true;
    this.audit.note(`pause ${ms}`);
    this.holds.after(ms, () => {
      this.audit.note('resume');
      handle.resume();
      if (this.handle === handle) this.paused = false;
    });
  }

  async close(): Promise<void> {
    await this.service.closeSession(this.sessionId!);
    this.dropHandle();
    this.retire();
  }

  publish(prng: Prng): Promise<void> {
    if (this.handle === undefined) return Promise.resolve();
    return this.handle.publish(prng.pick(PUBLISH_IDS), { from: this.name, at: Date.now() });
  }

  async request(prng: Prng): Promise<void> {
    if (this.handle === undefined) return;
    await this.handle.request(prng.pick(['synthetic::btcusdt.ticks', 'script::a.trade', 'script::b.book']), { q: 'snapshot' });
  }

  private onEnvelope(envelope: Envelope): void {
    if (envelope.type === 'message') return this.onMessage(envelope);
    if (envelope.kind !== 'dropped') this.audit.note(`notice ${envelope.kind}`);
    switch (envelope.kind) {
      case 'dropped':
        return this.onDropped(envelope.count);
      case 'gap':
        return this.onGap(envelope.id, envelope.reason);
      case 'session-closed':
        this.dropHandle();
        return this.retire();
      case 'disconnected':
        this.state = 'detached';
        return;
      default:
        return;
    }
  }

  private dropHandle(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.handle = undefined;
    this.paused = false;
  }
}
