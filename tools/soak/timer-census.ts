/**
 * Timers a run leaves armed. Node's `getActiveResourcesInfo` does not list unref'd timers, and
 * the service unrefs all of its own, so they are counted by wrapping the global timer functions
 * while the soak runs (modules look the globals up at call time).
 */

type Callback = (...args: unknown[]) => void;
type TimerHandle = ReturnType<typeof setTimeout>;

/** Timers created while installed and neither fired (one-shot) nor cleared. */
export class TimerCensus {
  private readonly live = new Map<TimerHandle, string>();
  private restore: (() => void) | undefined;

  install(): void {
    if (this.restore) return;
    const g = globalThis as unknown as Record<'setTimeout' | 'setInterval' | 'clearTimeout' | 'clearInterval', unknown>;
    const original = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval };
    const live = this.live;
    const setT = original.setTimeout as (cb: Callback, ms?: number, ...args: unknown[]) => TimerHandle;
    const setI = original.setInterval as (cb: Callback, ms?: number, ...args: unknown[]) => TimerHandle;
    const clearT = original.clearTimeout as (t: unknown) => void;
    const clearI = original.clearInterval as (t: unknown) => void;
    const wrappedSetTimeout = (cb: Callback, ms?: number, ...args: unknown[]): TimerHandle => {
      const handle: TimerHandle = setT((...a: unknown[]) => {
        live.delete(handle);
        cb(...a);
      }, ms, ...args);
      live.set(handle, origin());
      return handle;
    };
    const wrappedSetInterval = (cb: Callback, ms?: number, ...args: unknown[]): TimerHandle => {
      const handle = setI(cb, ms, ...args);
      live.set(handle, origin());
      return handle;
    };
    g.setTimeout = Object.assign(wrappedSetTimeout, original.setTimeout);
    g.setInterval = Object.assign(wrappedSetInterval, original.setInterval);
    g.clearTimeout = (t: unknown) => {
      live.delete(t as TimerHandle);
      clearT(t);
    };
    g.clearInterval = (t: unknown) => {
      live.delete(t as TimerHandle);
      clearI(t);
    };
    this.restore = () => Object.assign(g, original);
  }

  uninstall(): void {
    this.restore?.();
    this.restore = undefined;
  }

  /** Timers still armed, with where each was created. */
  pending(): string[] {
    return [...this.live.values()];
  }
}

/** The first frames outside this file and node internals: enough to find who armed a timer. */
function origin(): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 8;
  Error.captureStackTrace(holder, origin);
  Error.stackTraceLimit = limit;
  const frames = (holder.stack ?? '').split('\n').slice(1).map((l) => l.trim().replace(/^at /, ''));
  return frames.filter((f) => !f.includes('timer-census') && !f.includes('node:')).slice(0, 3).join(' < ') || 'unknown';
}
