/** The one backoff formula and the one crash window: reconnects, provider restarts, session and router restarts. */
export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Fraction of the delay added or removed at random, so clients do not reconnect in lockstep. */
  readonly jitter: number;
  readonly random: () => number;
}

/** Doubling delays from `initialMs`, capped at `maxMs` (jitter included), until `reset()`. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly settings: BackoffSettings) {}

  next(): number {
    const { initialMs, maxMs, jitter, random } = this.settings;
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const spread = base * jitter * (2 * random() - 1);
    return Math.max(0, Math.min(maxMs, Math.round(base + spread)));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Counts crashes within a sliding window; `record` says whether the count went past `maxRestarts`. */
export class CrashWindow {
  private times: number[] = [];

  constructor(private readonly policy: { readonly maxRestarts: number; readonly withinMs: number }) {}

  /** Records a crash at `now`; true when more than `maxRestarts` fell within `withinMs`. */
  record(now: number): boolean {
    this.times = this.times.filter((t) => now - t < this.policy.withinMs);
    this.times.push(now);
    return this.times.length > this.policy.maxRestarts;
  }

  get count(): number {
    return this.times.length;
  }
}
