import type { Envelope, Notice } from '../common/envelope';

/** Where a stream stood: `(epoch, seq)`. */
export interface StreamPosition {
  readonly epoch: string;
  readonly seq: number;
}

/** What a checker is fed per message: the envelope's fields (library) or the wire frame's. */
export interface ObservedMessage {
  readonly id: string;
  readonly seq: number;
  readonly epoch?: string;
  readonly ts: number;
  readonly state?: boolean;
  readonly cached?: boolean;
}

/**
 * A break in what the client received: `loss` — seq skipped within an epoch with no `gap`
 * notice for the stream and not enough `dropped` notices to cover it; `repeat` — a live message
 * at a position already seen, or behind it, within one epoch.
 */
export interface ContinuityFinding {
  readonly kind: 'loss' | 'repeat';
  readonly id: string;
  readonly from: StreamPosition;
  readonly to: StreamPosition;
  /** loss: how many seq were skipped beyond what had been announced. */
  readonly missed?: number;
}

export interface ContinuityOptions {
  /**
   * Whether the session may have stopped receiving stream `id` since `sinceTs` (the service
   * time of its previous message), for example across a reconfigure: a skip then is no loss.
   */
  readonly mayHaveLeft?: (id: string, sinceTs: number) => boolean;
  /** Findings kept for the report (counters go on). Default 20. */
  readonly keep?: number;
}

interface Track {
  epoch: string;
  seq: number;
  ts: number;
  /** A gap notice came for the stream since its last message: the next step is announced. */
  gap: boolean;
}

/**
 * Follows what one client receives, per stream, and reports any loss nobody announced and any
 * position seen twice. Feed it every envelope (`observe`) or frame (`message` / `notice`) in the
 * order it arrived. The contract it checks (README, "Continuity"):
 * - within one epoch a stream's seq goes up by one per message;
 * - a skip is covered by a `gap` notice for that stream received before the message after it,
 *   or by `dropped` notices (session-wide counts, received before the message after the loss);
 * - a new epoch starts counting again (no finding);
 * - a `state` or `cached` message restates a position: the stream goes on from it.
 */
export class ContinuityChecker {
  messages = 0;
  /** seq skipped within an epoch and covered by dropped notices. */
  announcedSkips = 0;
  /** seq skipped where a gap notice said data was lost. */
  gapSkips = 0;
  /** seq skipped while the session may not have been receiving the stream. */
  leftSkips = 0;
  /** Unannounced seq skipped, in all. */
  unannounced = 0;
  repeats = 0;
  epochChanges = 0;
  restatements = 0;
  gaps = 0;
  /** Total of every `dropped` notice. */
  dropped = 0;
  readonly findings: ContinuityFinding[] = [];
  private credit = 0;
  private readonly streams = new Map<string, Track>();

  constructor(private readonly options: ContinuityOptions = {}) {}

  get ok(): boolean {
    return this.unannounced === 0 && this.repeats === 0;
  }

  /** The newest seq seen on a stream. */
  newest(id: string): number | undefined {
    return this.streams.get(id)?.seq;
  }

  observe(envelope: Envelope): ContinuityFinding | undefined {
    if (envelope.type === 'message') return this.message(envelope);
    this.notice(envelope);
    return undefined;
  }

  notice(notice: Pick<Notice, 'kind'> & { readonly count?: number; readonly id?: string }): void {
    if (notice.kind === 'dropped' && typeof notice.count === 'number') {
      this.dropped += notice.count;
      this.credit += notice.count;
    } else if (notice.kind === 'gap' && typeof notice.id === 'string') {
      this.gaps++;
      const track = this.streams.get(notice.id);
      if (track !== undefined) track.gap = true;
    }
  }

  message(msg: ObservedMessage): ContinuityFinding | undefined {
    this.messages++;
    const epoch = msg.epoch ?? '';
    const track = this.streams.get(msg.id);
    if (track === undefined) {
      this.streams.set(msg.id, { epoch, seq: msg.seq, ts: msg.ts, gap: false });
      return undefined;
    }
    const from: StreamPosition = { epoch: track.epoch, seq: track.seq };
    const to: StreamPosition = { epoch, seq: msg.seq };
    const sinceTs = track.ts;
    const announced = track.gap;
    track.gap = false;
    track.epoch = epoch;
    track.ts = msg.ts;
    if (msg.state === true || msg.cached === true) {
      this.restatements++;
      track.seq = msg.seq;
      return undefined;
    }
    if (epoch !== from.epoch) {
      this.epochChanges++;
      track.seq = msg.seq;
      return undefined;
    }
    if (msg.seq <= from.seq) {
      this.repeats++;
      return this.find({ kind: 'repeat', id: msg.id, from, to });
    }
    track.seq = msg.seq;
    const skipped = msg.seq - from.seq - 1;
    if (skipped === 0) return undefined;
    if (announced) {
      this.gapSkips += skipped;
      return undefined;
    }
    if (this.options.mayHaveLeft?.(msg.id, sinceTs) === true) {
      this.leftSkips += skipped;
      return undefined;
    }
    const covered = Math.min(skipped, this.credit);
    this.credit -= covered;
    this.announcedSkips += covered;
    if (covered === skipped) return undefined;
    this.unannounced += skipped - covered;
    return this.find({ kind: 'loss', id: msg.id, from, to, missed: skipped - covered });
  }

  /** The session stopped receiving `id` (a reconfigure let go of it): its next message starts afresh. */
  forget(id: string): void {
    this.streams.delete(id);
  }

  private find(finding: ContinuityFinding): ContinuityFinding {
    if (this.findings.length < (this.options.keep ?? 20)) this.findings.push(finding);
    return finding;
  }
}
