import type { MessageEnvelope, Notice } from '../common/envelope';
import { toError } from '../common/errors';
import type { Logger } from '../common/logger';
import { encodeFrame } from './frame';
import type { NatsLink } from './link';
import { encodeJson, type ExportEvent, type Heartbeat } from './protocol';
import type { Subjects } from './subjects';

export interface PublisherCounts {
  /** Messages published on stream subjects. */
  published: number;
  /** Messages not published because NATS was unreachable or refused them. */
  unsent: number;
  /** Messages the internal sessions dropped (their `dropped` notices). */
  dropped: number;
}

/**
 * What an exporter says on NATS: each stream message once on its own subject, the exported
 * providers' notices, and heartbeats. Nothing is buffered while NATS is away: the importers
 * are told the provider is down, and `seq` shows them the gap.
 */
export class Publisher {
  readonly counts: PublisherCounts = { published: 0, unsent: 0, dropped: 0 };
  private readonly streamSubjects = new Map<string, string>();
  private readonly providersDown = new Set<string>();

  constructor(
    private readonly link: NatsLink,
    private readonly subjects: Subjects,
    private readonly exported: ReadonlySet<string>,
    private readonly logger: Logger,
  ) {}

  /** The hot path: one subject lookup, one frame, one publish. */
  message(msg: MessageEnvelope): void {
    if (!this.link.connected) {
      this.counts.unsent++;
      return;
    }
    let subject = this.streamSubjects.get(msg.id);
    if (subject === undefined) this.streamSubjects.set(msg.id, (subject = this.subjects.stream(msg.id)));
    try {
      this.link.nc.publish(subject, encodeFrame(msg));
      this.counts.published++;
    } catch (error) {
      if (this.counts.unsent++ < 10) this.logger.warn('publish failed', { stream: msg.id, error: toError(error).message });
    }
  }

  /** A stream left the export: its cached subject goes too. */
  forget(id: string): void {
    this.streamSubjects.delete(id);
  }

  notice(notice: Notice): void {
    switch (notice.kind) {
      case 'provider-down':
      case 'provider-up': {
        // Every internal session bound to the provider gets the notice; it is passed on once.
        const down = notice.kind === 'provider-down';
        if (!this.exported.has(notice.provider) || this.providersDown.has(notice.provider) === down) return;
        if (down) this.providersDown.add(notice.provider);
        else this.providersDown.delete(notice.provider);
        return this.event(down ? { kind: 'provider-down', provider: notice.provider, message: notice.message ?? notice.reason } : { kind: 'provider-up', provider: notice.provider });
      }
      case 'stream-down':
        return this.event({ kind: 'stream-down', id: notice.id, reason: notice.reason });
      case 'stream-up':
        return this.event({ kind: 'stream-up', id: notice.id });
      case 'dropped':
        this.counts.dropped += notice.count;
        return;
      case 'unbound':
      case 'session-closed':
      case 'disconnected':
        this.logger.warn('internal session notice', { kind: notice.kind });
        return;
    }
  }

  heartbeat(beat: Heartbeat): void {
    this.send(this.subjects.heartbeat, beat);
  }

  private event(event: ExportEvent): void {
    this.send(this.subjects.events, event);
  }

  private send(subject: string, body: ExportEvent | Heartbeat): void {
    if (!this.link.connected) return;
    try {
      this.link.nc.publish(subject, encodeJson(body));
    } catch (error) {
      this.logger.warn('publish failed', { subject, error: toError(error).message });
    }
  }
}
