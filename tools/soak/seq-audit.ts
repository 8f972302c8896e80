import { ContinuityChecker, type ContinuityFinding, type ObservedMessage } from '../../testkit/continuity';

/** A skip no notice had covered, or a position seen twice. */
export interface GapEvent {
  readonly client: string;
  readonly id: string;
  readonly from: number;
  readonly to: number;
  readonly kind: 'loss' | 'repeat';
  /** The client's running totals when the gap showed. */
  readonly jumps: number;
  readonly announced: number;
}

/**
 * Whether the session's binding of stream `id` may have been interrupted by a reconfigure
 * between `sinceTs` (service time of the earlier message) and now (when the later one arrived).
 */
export type BindingGap = (id: string, sinceTs: number) => boolean;

/** What a lineage's numbers are read from: the live checker, or what it counted once the lineage ended. */
type Counts = Pick<ContinuityChecker, 'messages' | 'announcedSkips' | 'unannounced' | 'gapSkips' | 'gaps' | 'leftSkips' | 'dropped' | 'repeats' | 'epochChanges' | 'ok'>;

const KEEP_EVENTS = 20;
const TRAIL = 60;

/**
 * Checks one client lineage with the testkit's ContinuityChecker: per stream, `(epoch, seq)`
 * goes on by one, and every skip was announced — by `dropped` notices received before the
 * messages after the loss (the running totals must hold at every skip, not only at the end) or
 * by a `gap` notice for the stream — and no position comes twice. A skip across a reconfigure
 * that let go of the stream is no loss (the stream was not bound meanwhile) and is counted apart.
 *
 * A lineage is one in-process client across its detach/attach cycles, or one WebSocket client
 * across explicit detach/re-attach; it ends where the service promises nothing (a socket died).
 */
export class SeqAudit {
  readonly events: GapEvent[] = [];
  /** The lineage's recent history when each event was noted, to explain it. */
  readonly trails: string[][] = [];
  private recent: string[] = [];
  /** Undefined once the lineage ended whole (`end`): only its numbers are kept. */
  private checker: ContinuityChecker | undefined;
  private counts: Counts;

  /** The client never reconfigures, so no gap of its can be a binding gap. */
  readonly steady: boolean;
  /** How the client reaches the service: the library API or a WebSocket. */
  readonly via: 'lib' | 'ws';

  constructor(
    readonly client: string,
    options: { readonly gap: BindingGap; readonly steady: boolean; readonly via: 'lib' | 'ws' },
  ) {
    this.checker = new ContinuityChecker({ mayHaveLeft: options.gap, keep: KEEP_EVENTS });
    this.counts = this.checker;
    this.steady = options.steady;
    this.via = options.via;
  }

  get messages(): number {
    return this.counts.messages;
  }

  /** Seq skipped while bound that dropped notices had to cover (covered or not). */
  get jumps(): number {
    return this.counts.announcedSkips + this.counts.unannounced;
  }

  /** Seq skipped where a gap notice announced the loss. */
  get gapped(): number {
    return this.counts.gapSkips;
  }

  get gapNotices(): number {
    return this.counts.gaps;
  }

  /** Seq skipped across a reconfigure of the stream's binding (not losses). */
  get unbound(): number {
    return this.counts.leftSkips;
  }

  get announced(): number {
    return this.counts.dropped;
  }

  /** A position seen twice, or behind one seen, within an epoch. */
  get regressions(): number {
    return this.counts.repeats;
  }

  get unannounced(): number {
    return this.counts.unannounced;
  }

  get epochChanges(): number {
    return this.counts.epochChanges;
  }

  message(msg: ObservedMessage): void {
    this.note(`${msg.id} ${msg.epoch ?? ''}:${msg.seq}${msg.state === true ? ' state' : ''}${msg.cached === true ? ' cached' : ''}`);
    const finding = this.live().message(msg);
    if (finding !== undefined) this.finding(finding);
  }

  dropped(count: number): void {
    this.note(`dropped ${count}`);
    this.live().notice({ kind: 'dropped', count });
  }

  gap(id: string, reason: string): void {
    this.note(`gap ${id} ${reason}`);
    this.live().notice({ kind: 'gap', id });
  }

  /** Notes something that happened to the lineage (attach, configure, a notice...). */
  note(what: string): void {
    if (this.recent.length >= TRAIL) this.recent.shift();
    this.recent.push(`${Date.now() % 100_000} ${what}`);
  }

  /** The newest seq seen on a stream. */
  newest(id: string): number | undefined {
    return this.checker?.newest(id);
  }

  get ok(): boolean {
    return this.counts.ok;
  }

  /**
   * Nothing more comes to this lineage (its client began another): a whole one keeps only its
   * numbers, so a long soak does not hold every stream position of every lineage it ever had.
   * One that broke the invariant keeps everything, to be reported.
   */
  end(): void {
    const c = this.checker;
    if (c === undefined || !c.ok) return;
    const { messages, announcedSkips, unannounced, gapSkips, gaps, leftSkips, dropped, repeats, epochChanges, ok } = c;
    this.counts = { messages, announcedSkips, unannounced, gapSkips, gaps, leftSkips, dropped, repeats, epochChanges, ok };
    this.checker = undefined;
    this.recent = [];
  }

  private live(): ContinuityChecker {
    if (this.checker === undefined) throw new Error(`seq audit ${this.client}: a message after the lineage ended`);
    return this.checker;
  }

  private finding(f: ContinuityFinding): void {
    if (this.events.length >= KEEP_EVENTS) return;
    this.events.push({ client: this.client, id: f.id, from: f.from.seq, to: f.to.seq, kind: f.kind, jumps: this.jumps, announced: this.announced });
    this.trails.push([...this.recent]);
  }
}
