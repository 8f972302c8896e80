/** A gap a client saw that no `dropped` notice had covered yet. */
export interface GapEvent {
  readonly client: string;
  readonly id: string;
  readonly from: number;
  readonly to: number;
  /** The client's running totals when the gap showed. */
  readonly jumps: number;
  readonly announced: number;
}

/**
 * Whether the session's binding of stream `id` may have been interrupted by a reconfigure
 * between `sinceTs` (service time of the earlier message) and now (when the later one arrived).
 */
export type BindingGap = (id: string, sinceTs: number) => boolean;

const KEEP_EVENTS = 20;
const TRAIL = 60;

/**
 * Checks one client lineage's `seq`s (seq per stream for the service's life; the buffer survives detach): per stream, every message after the first
 * continues the count or jumps, and every jump must already have been announced by `dropped`
 * notices (the session emits the notice before the messages that follow a loss, so the running
 * totals must hold at every jump, not only at the end). A jump across a reconfigure that let go
 * of the stream is no loss (the stream was not bound meanwhile) and is counted apart.
 *
 * A lineage is one in-process client across its detach/attach cycles, or one WebSocket client
 * across explicit detach/re-attach; it ends where the service promises nothing (a socket died).
 */
export class SeqAudit {
  messages = 0;
  jumps = 0;
  /** Seq skipped across a reconfigure of the stream's binding (not losses). */
  unbound = 0;
  announced = 0;
  /** A seq that did not go up: a duplicate or a reordering. */
  regressions = 0;
  /** Jumps beyond what had been announced at the time. */
  unannounced = 0;
  readonly events: GapEvent[] = [];
  /** The lineage's recent history when each event was noted, to explain it. */
  readonly trails: string[][] = [];
  private readonly last = new Map<string, { epoch: string; seq: number; ts: number; seen: number }>();
  /** Streams that came back under a new epoch (counting started again: not a regression). */
  epochs = 0;
  private readonly recent: string[] = [];

  /** The client never reconfigures, so no gap of its can be a binding gap. */
  readonly steady: boolean;
  /** How the client reaches the service: the library API or a WebSocket. */
  readonly via: 'lib' | 'ws';
  private readonly gap: BindingGap;

  constructor(
    readonly client: string,
    options: { readonly gap: BindingGap; readonly steady: boolean; readonly via: 'lib' | 'ws' },
  ) {
    this.gap = options.gap;
    this.steady = options.steady;
    this.via = options.via;
  }

  message(id: string, epoch: string, seq: number, ts: number): void {
    this.messages++;
    this.note(`${id} ${epoch}/${seq}`);
    const last = this.last.get(id);
    this.last.set(id, { epoch, seq, ts, seen: (last?.seen ?? 0) + 1 });
    if (last === undefined) return;
    if (epoch !== last.epoch) {
      this.epochs++;
      return;
    }
    if (seq <= last.seq) {
      this.regressions++;
      this.finding(id, last.seq, seq);
      return;
    }
    if (seq === last.seq + 1) return;
    if (this.gap(id, last.ts)) {
      this.unbound += seq - last.seq - 1;
      return;
    }
    this.jumps += seq - last.seq - 1;
    if (this.jumps > this.announced) {
      this.unannounced = Math.max(this.unannounced, this.jumps - this.announced);
      this.finding(id, last.seq, seq);
    }
  }

  dropped(count: number): void {
    this.note(`dropped ${count}`);
    this.announced += count;
  }

  /** Notes something that happened to the lineage (attach, configure, a notice...). */
  note(what: string): void {
    if (this.recent.length >= TRAIL) this.recent.shift();
    this.recent.push(`${Date.now() % 100_000} ${what}`);
  }

  /** How many messages of a stream were seen: grows with every one, whatever its epoch. */
  newest(id: string): number | undefined {
    return this.last.get(id)?.seen;
  }

  get ok(): boolean {
    return this.regressions === 0 && this.unannounced === 0 && this.jumps <= this.announced;
  }

  private finding(id: string, from: number, to: number): void {
    if (this.events.length >= KEEP_EVENTS) return;
    this.events.push({ client: this.client, id, from, to, jumps: this.jumps, announced: this.announced });
    this.trails.push([...this.recent]);
  }
}
