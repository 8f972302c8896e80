import { toError } from '../common/errors';
import type { ProviderContext } from '../providers/contract';
import type { ExporterHealth } from './health';
import type { NatsLink } from './link';
import type { ControlRequest, InterestReply, RemoteFailure } from './protocol';
import { StreamSet } from './stream-set';

export interface InterestHooks {
  /** Streams the exporter refused (for the verdict cache). */
  failed(failures: readonly RemoteFailure[]): void;
  /** After a resync: a wanted stream the exporter could not restart (reason), or did again (undefined). */
  restored(remote: string, downReason: string | undefined): void;
}

type Change = Pick<ControlRequest & { op: 'interest' }, 'add' | 'remove' | 'set' | 'release'>;

/**
 * An importer's side of the lease: the remote streams it wants, kept at the exporter by
 * add/remove requests and renewed every third of the lease. Each reply carries the exporter's
 * count and digest of what it holds for us; a mismatch, a new exporter instance or a
 * reconnect makes us send the whole set again (`sync`), which is how interest survives an
 * exporter restart or a NATS outage. Streams the exporter could not restart stay wanted and
 * are retried on every renewal.
 */
export class Interest {
  private readonly wanted = new StreamSet();
  private readonly lagging = new Set<string>();
  private version = 0;
  private syncing: Promise<boolean> | undefined;

  constructor(
    private readonly link: NatsLink,
    private readonly subject: string,
    private readonly holder: string,
    private readonly options: { readonly exporter: string; readonly leaseMs: number; readonly requestTimeoutMs: number },
    private readonly health: ExporterHealth,
    private readonly ctx: Pick<ProviderContext, 'clock' | 'logger'>,
    private readonly hooks: InterestHooks,
  ) {}

  /** Takes interest in `ids`; resolves with the ones refused and why. */
  async add(ids: readonly string[]): Promise<Map<string, string>> {
    const refused = new Map<string, string>();
    if (!this.health.synced && !(await this.syncAfterNow())) {
      for (const id of ids) refused.set(id, `exporter "${this.options.exporter}" is unreachable over NATS`);
      return refused;
    }
    for (const id of ids) this.wanted.add(id);
    const version = ++this.version;
    let reply: InterestReply;
    try {
      reply = await this.send({ add: ids });
    } catch (error) {
      for (const id of ids) if (this.wanted.delete(id)) refused.set(id, toError(error).message);
      this.version++;
      return refused;
    }
    for (const failure of reply.failed) if (this.wanted.delete(failure.id)) refused.set(failure.id, failure.reason);
    this.hooks.failed(reply.failed);
    this.check(reply, refused.size > 0 ? ++this.version : version);
    return refused;
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.wanted.delete(id);
      this.lagging.delete(id);
    }
    const version = ++this.version;
    if (!this.health.synced) return;
    await this.send({ remove: ids }).then(
      (reply) => this.check(reply, version),
      () => undefined,
    );
  }

  /** Renews the lease (timer); a lost exporter gets the whole set again instead. */
  renew(): void {
    if (!this.link.connected) return;
    if (!this.health.synced) {
      void this.sync();
      return;
    }
    const version = this.version;
    this.send({}).then(
      (reply) => this.check(reply, version),
      () => undefined,
    );
  }

  /** Sends the whole wanted set; resolves true once the exporter holds it. Never rejects. */
  sync(): Promise<boolean> {
    this.syncing ??= this.resync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /**
   * A sync already under way may have been sent before the exporter came back (a renewal, a
   * heartbeat), so its failure may be stale: ask again, unless we ourselves waited out half a
   * request timeout on it (that bounds add to 2.5 request timeouts).
   */
  private async syncAfterNow(): Promise<boolean> {
    const joined = this.syncing !== undefined;
    const since = this.ctx.clock.now();
    if (await this.sync()) return true;
    return joined && this.ctx.clock.now() - since < this.options.requestTimeoutMs / 2 && this.sync();
  }

  /** Gives the lease back (graceful stop), so the exporter need not wait for it to expire. */
  async release(): Promise<void> {
    if (!this.link.connected || !this.health.synced) return;
    await this.send({ release: true }).catch(() => undefined);
  }

  private async resync(): Promise<boolean> {
    let reply: InterestReply;
    try {
      reply = await this.send({ set: this.wanted.toArray() });
    } catch (error) {
      this.ctx.logger.debug('resync failed', { error: toError(error).message });
      return false;
    }
    this.health.seen(reply.instance, this.ctx.clock.now());
    const failed = new Map(reply.failed.map((f) => [f.id, f.reason]));
    for (const id of [...this.lagging]) {
      if (failed.has(id)) continue;
      this.lagging.delete(id);
      if (this.wanted.has(id)) this.hooks.restored(id, undefined);
    }
    for (const [id, reason] of failed) {
      if (!this.wanted.has(id) || this.lagging.has(id)) continue;
      this.lagging.add(id);
      this.hooks.restored(id, reason);
    }
    this.hooks.failed(reply.failed);
    this.health.markSynced();
    return true;
  }

  /** A reply from a restarted exporter, or one whose view differs from ours, calls for a resync. */
  private check(reply: InterestReply, version: number): void {
    if (this.health.seen(reply.instance, this.ctx.clock.now())) {
      void this.sync();
      return;
    }
    if (version === this.version && (reply.count !== this.wanted.size || reply.digest !== this.wanted.digest)) void this.sync();
  }

  private send(change: Change): Promise<InterestReply> {
    const body: ControlRequest = { op: 'interest', holder: this.holder, leaseMs: this.options.leaseMs, ...change };
    return this.link.request<InterestReply>(this.subject, body, this.options.requestTimeoutMs);
  }
}
