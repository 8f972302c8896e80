import { repeatWith, type Cancel, type Clock } from '../common/clock';

/**
 * A clock that only moves when told to. Timers run in due order, each seeing `now()` equal to its
 * due time, so pacing code behaves exactly as it would under real time.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; seq: number; callback: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): Cancel {
    const id = this.nextId++;
    this.timers.set(id, { due: this.current + Math.max(0, ms), seq: id, callback });
    return () => void this.timers.delete(id);
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
    const target = this.current + ms;
    for (let runs = 0; ; runs++) {
      const next = this.earliest();
      if (next === undefined || next.due > target) break;
      if (runs >= maxRuns) throw new Error(`ManualClock.advance: more than ${maxRuns} timer runs`);
      this.runTimer(next.id);
    }
    this.current = target;
  }

  /** Moves time forward without running timers, as when the event loop stalls. */
  jump(ms: number): void {
    this.current += ms;
  }

  /** Runs only the earliest timer (moving time to its due time); false when none is pending. */
  step(): boolean {
    const next = this.earliest();
    if (next === undefined) return false;
    this.runTimer(next.id);
    return true;
  }

  private runTimer(id: number): void {
    const timer = this.timers.get(id)!;
    this.timers.delete(id);
    this.current = Math.max(this.current, timer.due);
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
