/**
 * Spaces control messages so that no rolling window of `windowMs` holds more than `limit` sends:
 * the exchange disconnects (and may ban) a connection that exceeds its per-second message limit.
 */
export class Pacer {
  /** Send times, oldest first; only the last `limit` matter. */
  private readonly sent: number[] = [];

  constructor(
    private readonly now: () => number,
    private readonly limit: number,
    private readonly windowMs = 1000,
  ) {}

  /** Milliseconds until the next send is allowed; 0 means now. */
  delay(): number {
    if (this.sent.length < this.limit) return 0;
    return Math.max(0, this.sent[this.sent.length - this.limit] + this.windowMs - this.now());
  }

  /** Takes the next free slot, now or later, for a caller that will wait for it; returns the wait. */
  reserve(): number {
    const wait = this.delay();
    this.sent.push(this.now() + wait);
    if (this.sent.length > this.limit) this.sent.splice(0, this.sent.length - this.limit);
    return wait;
  }

  record(): void {
    this.sent.push(this.now());
    if (this.sent.length > this.limit) this.sent.splice(0, this.sent.length - this.limit);
  }
}
