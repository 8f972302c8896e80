import { repeatWith, systemClock, type Cancel, type Clock } from '../common/clock';

export interface ManualClockOptions {
  /** Where time starts (ms since the epoch); ignored with `realTime`. */
  readonly start?: number;
  /**
   * Time also flows: `now()` is the wall clock plus what `advance` added, and timers also fire
   * when due in real time. For tests with real sockets that still need to skip hours.
   */
  readonly realTime?: boolean;
}

interface Timer {
  readonly due: number;
  readonly seq: number;
  readonly callback: () => void;
  /** The real timer behind it, with `realTime`. */
  real?: Cancel;
}

/**
 * The test clock: time moves when told to (and, with `realTime`, on its own too). Hand-moved
 * timers run in due order, each seeing `now()` equal to its due time, so pacing code behaves
 * exactly as it would under real time. `pending` counts timers neither run nor cleared.
 */
export class ManualClock implements Clock {
  private offset: number;
  private nextId = 1;
  private readonly realTime: boolean;
  private readonly timers = new Map<number, Timer>();

  constructor(options: number | ManualClockOptions = {}) {
    const o = typeof options === 'number' ? { start: options } : options;
    this.realTime = o.realTime === true;
    this.offset = this.realTime ? 0 : (o.start ?? 1_700_000_000_000);
  }

  now(): number {
    return this.realTime ? Date.now() + this.offset : this.offset;
  }

  setTimeout(callback: () => void, ms: number): Cancel {
    const id = this.nextId++;
    const timer: Timer = { due: this.now() + Math.max(0, ms), seq: id, callback };
    this.timers.set(id, timer);
    this.arm(id, timer);
    return () => {
      timer.real?.();
      this.timers.delete(id);
    };
  }

  /** Re-armed after each run, so `advance` over several periods runs it once per period. */
  setInterval(callback: () => void, ms: number): Cancel {
    return repeatWith((cb, delay) => this.setTimeout(cb, delay), callback, ms);
  }

  /** Timers not yet run or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, running every timer due by then, including ones scheduled along
   * the way. `maxRuns` guards against a callback that keeps rescheduling itself at delay 0.
   */
  advance(ms: number, maxRuns = 1_000_000): void {
    const target = this.now() + ms;
    if (this.realTime) this.offset += ms;
    for (let runs = 0; ; runs++) {
      const next = this.earliest();
      if (next === undefined || next.due > (this.realTime ? this.now() : target)) break;
      if (runs >= maxRuns) throw new Error(`ManualClock.advance: more than ${maxRuns} timer runs`);
      this.runTimer(next.id);
    }
    if (!this.realTime) this.offset = target;
    this.rearm();
  }

  /** Moves time forward without running timers, as when the event loop stalls. */
  jump(ms: number): void {
    this.offset += ms;
    this.rearm();
  }

  /** Runs only the earliest timer (moving time to its due time); false when none is pending. */
  step(): boolean {
    const next = this.earliest();
    if (next === undefined) return false;
    this.runTimer(next.id);
    return true;
  }

  /** Clears every pending timer (and its real timer). */
  dispose(): void {
    for (const timer of this.timers.values()) timer.real?.();
    this.timers.clear();
  }

  private arm(id: number, timer: Timer): void {
    if (this.realTime) timer.real = systemClock.setTimeout(() => this.timers.has(id) && this.runTimer(id), timer.due - this.now());
  }

  /** Pending timers are now closer in real time; move their real timers to match. */
  private rearm(): void {
    if (!this.realTime) return;
    for (const [id, timer] of this.timers) {
      timer.real?.();
      this.arm(id, timer);
    }
  }

  private runTimer(id: number): void {
    const timer = this.timers.get(id)!;
    this.timers.delete(id);
    timer.real?.();
    if (!this.realTime) this.offset = Math.max(this.offset, timer.due);
    timer.callback();
  }

  private earliest(): { id: number; due: number } | undefined {
    let best: { id: number; due: number; seq: number } | undefined;
    for (const [id, t] of this.timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = { id, due: t.due, seq: t.seq };
    }
    return best;
  }
}
