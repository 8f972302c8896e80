import { assertNever } from '../common/assert-never';
import type { MessageEnvelope, Notice } from '../common/envelope';
import { toError } from '../common/errors';
import type { Logger } from '../common/logger';
import { encodeFrames } from './frame';
import type { NatsLink } from './link';
import { encodeJson, type ExportEvent, type Heartbeat } from './protocol';
import type { Subjects } from './subjects';

/**
 * Records per NATS message, and their `size` in bytes (large payloads): keeps a batch below
 * NATS's 1 MB default payload limit.
 */
const MAX_BATCH = 256;
const MAX_BATCH_BYTES = 256 * 1_024;

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
  /** Messages taken in and not sent yet, per stream, with their bytes. */
  private readonly pending = new Map<string, { msgs: MessageEnvelope[]; bytes: number }>();
  private flushQueued = false;

  constructor(
    private readonly link: NatsLink,
    private readonly subjects: Subjects,
    private readonly exported: ReadonlySet<string>,
    private readonly logger: Logger,
  ) {}

  /**
   * The hot path. An internal session delivers its backlog in one synchronous run; what a
   * stream brings in one run goes out as one NATS message (cut at MAX_BATCH or MAX_BATCH_BYTES).
   */
  message(msg: MessageEnvelope): void {
    if (!this.link.connected) {
      this.counts.unsent++;
      return;
    }
    const id = msg.id;
    let batch = this.pending.get(id);
    if (batch === undefined) this.pending.set(id, (batch = { msgs: [], bytes: 0 }));
    // A batch carries one epoch: a new one (the origin restarted) starts a new batch.
    else if (batch.msgs.length > 0 && batch.msgs[0].epoch !== msg.epoch) this.sendPending(id, batch);
    batch.msgs.push(msg);
    batch.bytes += msg.size ?? 0;
    if (batch.msgs.length >= MAX_BATCH || batch.bytes >= MAX_BATCH_BYTES) this.sendPending(id, batch);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /** Sends everything pending now (before an event that must follow it, or at stop). */
  readonly flush = (): void => {
    this.flushQueued = false;
    for (const [id, batch] of this.pending) if (batch.msgs.length > 0) this.send(id, batch.msgs);
    this.pending.clear();
  };

  private sendPending(id: string, batch: { msgs: MessageEnvelope[]; bytes: number }): void {
    this.send(id, batch.msgs.splice(0));
    batch.bytes = 0;
  }

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
      case 'gap':
        return this.event({ kind: 'gap', id: notice.id, reason: notice.reason });
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

  /** After the messages that came before it: they may still be held. */
  private event(event: ExportEvent): void {
    if (this.flushQueued) this.flush();
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
