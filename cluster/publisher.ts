import { assertNever } from '../common/assert-never';
import type { MessageEnvelope, Notice } from '../common/envelope';
import { toError } from '../common/errors';
import type { Logger } from '../common/logger';
import { encodeFrames } from './frame';
import type { NatsLink } from './link';
import { encodeJson, type ExportEvent, type Heartbeat } from './protocol';
import type { Subjects } from './subjects';

/** Records per NATS message: keeps a batch far below NATS's 1 MB default payload limit. */
const MAX_BATCH = 256;

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
  /** Messages taken in during this turn, per stream; sent when the turn's deliveries are done. */
  private readonly pending = new Map<string, MessageEnvelope[]>();
  private flushQueued = false;

  constructor(
    private readonly link: NatsLink,
    private readonly subjects: Subjects,
    private readonly exported: ReadonlySet<string>,
    private readonly logger: Logger,
  ) {}

  /**
   * The hot path. An internal session delivers its backlog in one synchronous run; what one
   * run brings of a stream goes out as one NATS message (at most MAX_BATCH records).
   */
  message(msg: MessageEnvelope): void {
    if (!this.link.connected) {
      this.counts.unsent++;
      return;
    }
    let batch = this.pending.get(msg.id);
    if (batch === undefined) this.pending.set(msg.id, (batch = []));
    // A batch carries one epoch: a new one (the origin restarted) starts a new batch.
    else if (batch.length > 0 && batch[0].epoch !== msg.epoch) this.send(msg.id, batch.splice(0));
    batch.push(msg);
    if (batch.length >= MAX_BATCH) this.send(msg.id, batch.splice(0));
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    for (const [id, batch] of this.pending) if (batch.length > 0) this.send(id, batch);
    this.pending.clear();
  };

  private send(id: string, batch: readonly MessageEnvelope[]): void {
    if (!this.link.connected) {
      this.counts.unsent += batch.length;
      return;
    }
    let subject = this.streamSubjects.get(id);
    if (subject === undefined) this.streamSubjects.set(id, (subject = this.subjects.stream(id)));
    try {
      this.link.nc.publish(subject, encodeFrames(batch));
      this.counts.published += batch.length;
    } catch (error) {
      this.counts.unsent += batch.length;
      this.logger.warn('publish failed', { stream: id, messages: batch.length, error: toError(error).message });
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
      case 'gap': {
        // After the messages that came before it: they may still wait for this turn's flush.
        const batch = this.pending.get(notice.id);
        if (batch !== undefined && batch.length > 0) this.send(notice.id, batch.splice(0));
        return this.event({ kind: 'gap', id: notice.id, reason: notice.reason });
      }
      case 'dropped':
        this.counts.dropped += notice.count;
        return;
      case 'unbound':
      case 'session-closed':
      case 'disconnected':
        this.logger.warn('internal session notice', { kind: notice.kind });
        return;
      default:
        return assertNever(notice);
    }
  }

  heartbeat(beat: Heartbeat): void {
    this.sendJson(this.subjects.heartbeat, beat);
  }

  private event(event: ExportEvent): void {
    this.sendJson(this.subjects.events, event);
  }

  private sendJson(subject: string, body: ExportEvent | Heartbeat): void {
    if (!this.link.connected) return;
    try {
      this.link.nc.publish(subject, encodeJson(body));
    } catch (error) {
      this.logger.warn('publish failed', { subject, error: toError(error).message });
    }
  }
}
