import { systemClock, type Clock } from './clock';

/**
 * Waits for `work` but no longer than `ms`; never rejects (for best-effort steps like releases).
 * Deadlines run on real time by default: they guard against hangs, which a test's manual clock
 * must not suspend.
 */
export function settleWithin(work: Promise<unknown>, ms: number, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve) => {
    const cancel = clock.setTimeout(resolve, ms);
    const done = (): void => {
      cancel();
      resolve();
    };
    work.then(done, done);
  });
}
