import type { Clock } from '../common/clock';

/** Reads the time in ms; monotonic by default so a wall-clock step cannot refill or drain a bucket. */
export type Now = Clock['now'];

export const monotonicNow: Now = () => performance.now();

/**
 * A token bucket: holds up to `perSecond` tokens (a second's worth of burst) and refills
 * continuously at `perSecond` tokens a second. `perSecond ≤ 0` means no limit.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: Now,
  ) {
    this.tokens = perSecond;
    this.last = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    if (this.perSecond <= 0) return true;
    const t = this.now();
    // A clock that goes backwards refills nothing (and never drains).
    if (t > this.last) {
      this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.last) * this.perSecond) / 1000);
      this.last = t;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
