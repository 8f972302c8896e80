/**
 * What the gateway counts as it runs, as plain numbers (an increment on the send path costs
 * nothing); `/metrics` reads them when scraped.
 */
export class GatewayCounters {
  framesIn = 0;
  framesOut = 0;
  bytesOut = 0;
  /** Times a socket's send buffer passed the high-water mark and its session was paused. */
  backpressurePauses = 0;
  /** Frames refused by the per-connection rate limits. */
  rateLimited = 0;
  /** Upgrades refused, by reason (`unauthorized`, `shutting-down`, `too-many-connections`, …). */
  readonly refusedUpgrades = new Map<string, number>();

  refuseUpgrade(reason: string): void {
    this.refusedUpgrades.set(reason, (this.refusedUpgrades.get(reason) ?? 0) + 1);
  }
}
