import type { RestartPolicy } from './service-types';

export const DEFAULT_PROVIDER_RESTART: RestartPolicy = {
  initialBackoffMs: 200,
  maxBackoffMs: 30_000,
  jitter: 0.2,
  maxRestarts: 10,
  withinMs: 60_000,
};

export const DEFAULT_SESSION_RESTART = { maxRestarts: 10, withinMs: 60_000 };

/**
 * Restart intensity and backoff, which nact lacks. `crashed(now)` records a crash and says
 * whether to give up (more than `maxRestarts` within `withinMs`) or after how long to restart.
 * The backoff doubles per crash, is capped, carries jitter, and starts over once the actor has
 * run for a whole window without crashing.
 */
export class RestartTracker {
  private crashes: number[] = [];
  private attempt = 0;
  private lastCrash = -Infinity;
  restarts = 0;

  constructor(
    private readonly policy: RestartPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  crashed(now: number): { giveUp: true } | { giveUp: false; delayMs: number } {
    if (now - this.lastCrash > this.policy.withinMs) this.attempt = 0;
    this.lastCrash = now;
    this.crashes = this.crashes.filter((t) => now - t < this.policy.withinMs);
    this.crashes.push(now);
    if (this.crashes.length > this.policy.maxRestarts) return { giveUp: true };
    const base = Math.min(this.policy.maxBackoffMs, this.policy.initialBackoffMs * 2 ** this.attempt);
    this.attempt++;
    const spread = base * this.policy.jitter * (2 * this.random() - 1);
    return { giveUp: false, delayMs: Math.min(this.policy.maxBackoffMs, Math.max(0, Math.round(base + spread))) };
  }

  restarted(): void {
    this.restarts++;
  }
}
