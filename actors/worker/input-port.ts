import type { MessageEnvelope, Notice } from '../../common/envelope';
import type { GapNotice } from '../../router/port';
import type { RouteTarget } from '../../router/router-actor';

/** What waits for the worker: input batches, and gap notices of inputs in order with them. */
export type InputChunk = readonly MessageEnvelope[] | GapNotice;

/**
 * Where the router delivers a worker's inputs. Like the router's own port it coalesces: batches
 * wait in a plain list (a batch the router hands over whole is kept as it is, not copied) and
 * the worker's actor gets at most one wake at a time, taking everything that built up in one
 * turn. Bounded: past `maxPending` messages, or while the worker has no actor (it is
 * restarting), input is dropped and counted, and `onLoss` is told once per run of losses so
 * the worker's streams can be announced as having a gap.
 */
export class InputPort implements RouteTarget {
  routeMark = 0;
  routeHits = 0;
  /** Input messages taken in by the worker. */
  received = 0;
  /** Input messages lost (overflow, or while the worker restarted). */
  dropped = 0;
  private chunks: InputChunk[] = [];
  private loose: MessageEnvelope[] | null = null;
  private pending = 0;
  private woken = false;
  private losing = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly maxPending: number,
    private readonly onLoss: () => void,
  ) {}

  offer(msg: MessageEnvelope): void {
    if (!this.room(1)) return;
    if (this.loose === null) this.chunks.push((this.loose = []));
    this.loose.push(msg);
    this.poke();
  }

  offerAll(batch: readonly MessageEnvelope[], _bytes?: number): void {
    if (batch.length === 0 || !this.room(batch.length)) return;
    this.chunks.push(batch);
    this.loose = null;
    this.poke();
  }

  /** An input's gap goes to the worker in order with its messages (the derived streams get one too). */
  notice(notice: Notice): void {
    if (notice.kind !== 'gap' || this.wake === null) return;
    this.chunks.push(notice);
    this.loose = null;
    this.poke();
  }

  /** Everything that waits, in arrival order, as the batches it came in. */
  take(): InputChunk[] {
    const chunks = this.chunks;
    this.chunks = [];
    this.loose = null;
    this.received += this.pending;
    this.pending = 0;
    this.woken = false;
    this.losing = false;
    return chunks;
  }

  /** A worker incarnation is up: input flows to it from now on. */
  connect(wake: () => void): void {
    this.wake = wake;
    this.woken = false;
    this.losing = false;
  }

  /** The worker went down: what waits is lost with its state, and input is dropped until `connect`. */
  disconnect(): void {
    this.wake = null;
    this.dropped += this.pending;
    this.chunks = [];
    this.loose = null;
    this.pending = 0;
    this.woken = false;
  }

  private room(n: number): boolean {
    if (this.wake !== null && this.pending + n <= this.maxPending) {
      this.pending += n;
      return true;
    }
    this.dropped += n;
    if (!this.losing) {
      this.losing = true;
      this.onLoss();
    }
    return false;
  }

  private poke(): void {
    if (!this.woken && this.wake !== null) {
      this.woken = true;
      this.wake();
    }
  }
}
