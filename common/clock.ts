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

/**
 * An interval made of one-shot timers, each armed when the previous one ran: for clocks whose
 * time moves by hand, so advancing several periods runs the callback once per period.
 */
export function repeatWith(setTimeout: Clock['setTimeout'], callback: () => void, ms: number): Cancel {
  let cancel: Cancel = () => undefined;
  let cancelled = false;
  const arm = (): void => {
    cancel = setTimeout(() => {
      if (cancelled) return;
      arm();
      callback();
    }, Math.max(1, ms));
  };
  arm();
  return () => {
    cancelled = true;
    cancel();
  };
}
