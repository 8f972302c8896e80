/** Cancels a timer; safe to call twice, or after the timer ran. */
export type Cancel = () => void;

/**
 * Time as the service sees it; tests pass their own (the testkit's `ManualClock`) to control idle
 * timers, backoff, pacing and heartbeats. Every timer in the project is started through one.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): Cancel;
  setInterval(callback: () => void, ms: number): Cancel;
}

/** Timers above 2^31-1 ms wrap negative in Node; clamp every delay into range. */
export const MAX_TIMER_MS = 2_147_483_647;

const clamp = (ms: number): number => Math.min(Math.max(0, ms), MAX_TIMER_MS);

/**
 * The real clock; it looks up the globals at call time so jest's fake timers apply. Its timers
 * never keep the process alive.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, clamp(ms));
    handle.unref?.();
    return () => clearTimeout(handle);
  },
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, clamp(ms));
    handle.unref?.();
    return () => clearInterval(handle);
  },
};
