import { Backoff, CrashWindow } from './backoff';
import type { RestartPolicy } from './service-types';

export const DEFAULT_PROVIDER_RESTART: RestartPolicy = {
  initialBackoffMs: 200,
  maxBackoffMs: 30_000,
  jitter: 0.2,
  maxRestarts: 10,
  withinMs: 60_000,
};

export const DEFAULT_SESSION_RESTART = { maxRestarts: 10, withinMs: 60_000 };

/** A router restarts at once (no backoff); past this intensity the service stops. */
export const DEFAULT_ROUTER_RESTART = { maxRestarts: 10, withinMs: 60_000 };

/**
 * Restart intensity and backoff, which nact lacks. `crashed(now)` records a crash and says
 * whether to give up (more than `maxRestarts` within `withinMs`) or after how long to restart.
 * The backoff doubles per crash, is capped, carries jitter, and starts over once the actor has
 * run for a whole window without crashing.
 */
export class RestartTracker {
  private readonly window: CrashWindow;
  private readonly backoff: Backoff;
  private lastCrash = -Infinity;
  restarts = 0;

  constructor(
    private readonly policy: RestartPolicy,
    random: () => number = Math.random,
  ) {
    this.window = new CrashWindow(policy);
    this.backoff = new Backoff({ initialMs: policy.initialBackoffMs, maxMs: policy.maxBackoffMs, jitter: policy.jitter, random });
  }

  crashed(now: number): { giveUp: true } | { giveUp: false; delayMs: number } {
    if (now - this.lastCrash > this.policy.withinMs) this.backoff.reset();
    this.lastCrash = now;
    if (this.window.record(now)) return { giveUp: true };
    return { giveUp: false, delayMs: this.backoff.next() };
  }

  restarted(): void {
    this.restarts++;
  }
}
