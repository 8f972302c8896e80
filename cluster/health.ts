/** What the importer tells its sessions (through the provider context). */
export interface HealthEvents {
  down(reason: string): void;
  up(): void;
}

/**
 * Whether an imported provider is usable, from what the importer observes: the NATS
 * connection, signs of life from the exporter (heartbeats and replies, with its instance id),
 * whether the exporter holds our interest, and the remote provider's own notices. Sessions
 * hear `provider-down` when it stops being usable and `provider-up` when it is usable again;
 * never an `up` without a `down` before it. Pure: time is passed in.
 */
export class ExporterHealth {
  /** The exporter holds our whole set (confirmed by a reply from its current instance). */
  synced = false;
  private instance: string | undefined;
  private lastSeen = Number.NEGATIVE_INFINITY;
  private timeoutMs: number;
  private remoteUp = true;
  private announced: 'never' | 'up' | 'down' = 'never';

  constructor(
    private connected: boolean,
    defaultTimeoutMs: number,
    private readonly events: HealthEvents,
  ) {
    this.timeoutMs = defaultTimeoutMs;
  }

  get usable(): boolean {
    return this.connected && this.synced && this.remoteUp;
  }

  /**
   * A heartbeat or a reply from exporter `instance`. A new instance means the exporter
   * restarted and has forgotten us: returns true, and we are no longer synced.
   */
  seen(instance: string, now: number, intervalMs?: number): boolean {
    this.lastSeen = now;
    if (intervalMs !== undefined && intervalMs > 0) this.timeoutMs = intervalMs * 3;
    const restarted = this.instance !== undefined && this.instance !== instance;
    this.instance = instance;
    if (restarted) {
      this.synced = false;
      this.remoteUp = true;
      this.evaluate('the exporter restarted');
    }
    return restarted;
  }

  /** Silence for longer than three heartbeats: the exporter is presumed gone. */
  check(now: number): void {
    if (this.synced && now - this.lastSeen > this.timeoutMs) this.lose('exporter heartbeat lost');
  }

  lose(reason: string): void {
    this.synced = false;
    this.lastSeen = Number.NEGATIVE_INFINITY;
    this.evaluate(reason);
  }

  setConnected(connected: boolean): void {
    this.connected = connected;
    // Whatever happened meanwhile (an expired lease, a restarted exporter), re-assert everything.
    if (!connected) this.synced = false;
    this.evaluate('NATS connection lost');
  }

  markSynced(): void {
    this.synced = true;
    this.evaluate('');
  }

  setRemote(up: boolean, reason: string): void {
    this.remoteUp = up;
    this.evaluate(reason);
  }

  private evaluate(reason: string): void {
    const usable = this.usable;
    if (usable && this.announced !== 'up') {
      const wasDown = this.announced === 'down';
      this.announced = 'up';
      if (wasDown) this.events.up();
    } else if (!usable && this.announced === 'up') {
      this.announced = 'down';
      this.events.down(reason);
    }
  }
}
