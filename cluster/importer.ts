import { assertNever } from '../common/assert-never';
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'nats';
import { systemClock, type Cancel } from '../common/clock';
import { isTesseraError, toError } from '../common/errors';
import type { JsonValue } from '../common/json';
import type { BridgeContext, Provider, StreamFailure, SubscribeResult } from '../providers/contract';
import type { Identifier } from '../router/identifier';
import type { Pattern } from '../router/pattern';
import { decodeFrames, type FrameSink } from './frame';
import { ExporterHealth } from './health';
import { Interest } from './interest';
import type { NatsLink } from './link';
import { NamespaceMap } from './namespace-map';
import { parseEvent, parseHeartbeat, type ExpandReply, type Heartbeat, type RemoteFailure, type RequestReply } from './protocol';
import { subjectsOf, type Subjects } from './subjects';

export interface ImportOptions {
  /** The node's shared NATS connection. */
  readonly link: NatsLink;
  /** This node's name; leases are held as `<node>/<local namespace>/<random>`. */
  readonly node: string;
  /** The exporting node and the provider it offers. */
  readonly exporter: string;
  readonly provider: string;
  readonly leaseMs: number;
  readonly requestTimeoutMs: number;
}

export interface ImportFrameStats {
  /** Batches that were not a readable batch (truncated, garbage). */
  badFrames: number;
  /** Batches of another frame version (the nodes run different Tessera versions). */
  badVersion: number;
}

/**
 * A provider whose streams come from another node over NATS. A stream that local sessions
 * want becomes a NATS subscription on its subject plus a leased interest at the exporter;
 * messages are forwarded with the origin's `seq` and `ts`. Losing NATS or the exporter gives
 * the sessions `provider-down`; once both are back the whole set is re-asserted and they get
 * `provider-up`, with no action on their part.
 */
export class ImportedProvider implements Provider {
  private readonly subjects: Subjects;
  private ctx: BridgeContext | undefined;
  private map!: NamespaceMap;
  private health!: ExporterHealth;
  private interest!: Interest;
  /** Remote canonical → its NATS subscription. */
  private readonly streams = new Map<string, Subscription>();
  private readonly verdicts = new Map<string, string>();
  private readonly control: Subscription[] = [];
  private stopListening: () => void = () => undefined;
  private reaper: Cancel | undefined;
  private readonly frames: ImportFrameStats = { badFrames: 0, badVersion: 0 };

  constructor(private readonly options: ImportOptions) {
    this.subjects = subjectsOf(options.exporter);
  }

  /** The host's context is a BridgeContext (see IncarnationContext); only a bridge uses `forward`. */
  start(ctx: BridgeContext): void {
    const { link, leaseMs } = this.options;
    this.ctx = ctx;
    this.map = new NamespaceMap(ctx.name, this.options.provider);
    this.health = new ExporterHealth(link.connected, 3_000, {
      down: (reason) => {
        ctx.providerDown(reason);
        // What the exporter sends meanwhile is lost though seq may go on: say so, in order.
        for (const remote of this.streams.keys()) {
          const local = this.map.toLocal(remote);
          if (local !== undefined) ctx.gap(local, 'link-down');
        }
      },
      up: () => ctx.providerUp(),
    });
    const holder = `${this.options.node}/${ctx.name}/${randomUUID().slice(0, 8)}`;
    this.interest = new Interest(link, this.subjects.control, holder, this.options, this.health, ctx, {
      failed: (failures) => this.remember(failures),
      restored: (remote, reason) => this.streamState(remote, reason),
    });
    this.control.push(
      link.subscribe(this.subjects.heartbeat, (msg) => this.onHeartbeat(parseHeartbeat(msg.data))),
      link.subscribe(this.subjects.events, (msg) => this.onEvent(msg.data)),
    );
    this.stopListening = link.onChange((connected) => {
      this.health.setConnected(connected);
      if (connected) void this.interest.sync();
    });
    ctx.setInterval(() => this.interest.renew(), Math.max(50, Math.floor(leaseMs / 3)));
    ctx.setInterval(() => this.health.check(ctx.clock.now()), 250);
    // A crashed incarnation is dropped without `stop`; its NATS subscriptions must not outlive
    // it. The host's context says when it is over (not part of the contract, hence the probe).
    // On the real clock: an incarnation's own timers die with it, and this one must outlive it.
    this.reaper = systemClock.setInterval(() => {
      if ((ctx as { readonly isAlive?: boolean }).isAlive !== false) return;
      this.dispose();
      void this.interest.release();
    }, 1_000);
    void this.interest.sync();
  }

  async stop(): Promise<void> {
    this.dispose();
    await this.interest?.release();
  }

  /** Sync: only verdicts the exporter gave earlier (a remote check cannot be awaited here). */
  validate(id: Identifier): string | undefined {
    return this.verdicts.get(this.map.toRemote(id));
  }

  async subscribe(ids: readonly Identifier[]): Promise<SubscribeResult> {
    const fresh = ids.filter((id) => !this.streams.has(this.map.toRemote(id)));
    if (fresh.length === 0) return {};
    // The NATS subscription goes out before the interest, on the same connection, so the
    // server knows it before the exporter can publish the first message.
    const remote = fresh.map((id) => this.open(id));
    const refused = await this.interest.add(remote);
    const failed: StreamFailure[] = [];
    fresh.forEach((id, i) => {
      const reason = refused.get(remote[i]);
      if (reason === undefined) return;
      this.close(remote[i]);
      failed.push({ id, reason });
    });
    return { failed };
  }

  async unsubscribe(ids: readonly Identifier[]): Promise<void> {
    const remote = ids.map((id) => this.map.toRemote(id));
    for (const r of remote) this.close(r);
    await this.interest.remove(remote);
  }

  async expand(pattern: Pattern): Promise<readonly Identifier[]> {
    const body = { op: 'expand', pattern: this.map.patternToRemote(pattern) } as const;
    const reply = await this.options.link.request<ExpandReply>(this.subjects.control, body, this.options.requestTimeoutMs);
    return reply.streams.flatMap((remote) => this.map.toLocal(remote) ?? []);
  }

  async request(id: Identifier, body: JsonValue): Promise<JsonValue> {
    const message = { op: 'request', id: this.map.toRemote(id), body } as const;
    return (await this.options.link.request<RequestReply>(this.subjects.control, message, this.options.requestTimeoutMs)).body;
  }

  private dispose(): void {
    this.reaper?.();
    this.stopListening();
    for (const sub of this.control.splice(0)) sub.unsubscribe();
    for (const sub of this.streams.values()) sub.unsubscribe();
    this.streams.clear();
    this.ctx = undefined;
  }

  private open(id: Identifier): string {
    const remote = this.map.toRemote(id);
    const local = id.canonical;
    const forward: FrameSink = (epoch, seq, ts, eventTs, payload, size) => this.ctx?.forward(local, epoch, seq, ts, payload, eventTs, size);
    const sub = this.options.link.subscribe(this.subjects.stream(remote), (msg) => {
      try {
        decodeFrames(msg.data, forward);
      } catch (error) {
        this.badFrame(local, error);
      }
    });
    this.streams.set(remote, sub);
    return remote;
  }

  /** A batch that could not be read is lost whole: counted, logged (at first), announced as a gap. */
  private badFrame(local: string, error: unknown): void {
    const version = isTesseraError(error, 'NOT_SUPPORTED');
    const n = version ? this.frames.badVersion++ : this.frames.badFrames++;
    const message = toError(error).message;
    if (n < 10) this.ctx?.logger.warn(version ? 'batch of another frame version dropped' : 'malformed batch dropped', { stream: local, code: version ? 'NOT_SUPPORTED' : 'BAD_REQUEST', error: message });
    this.ctx?.gap(local, version ? 'frame-version' : 'bad-frame');
  }

  /** Batches dropped because they could not be read (shown as the provider's `details` in stats). */
  stats(): ImportFrameStats {
    return { ...this.frames };
  }

  private close(remote: string): void {
    this.streams.get(remote)?.unsubscribe();
    this.streams.delete(remote);
  }

  private onHeartbeat(beat: Heartbeat): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    if (beat.state === 'stopping') return this.health.lose('the exporter is stopping');
    // A new exporter instance may export other things: earlier verdicts no longer hold.
    if (this.health.seen(beat.instance, ctx.clock.now(), beat.intervalMs)) this.verdicts.clear();
    if (!this.health.synced) void this.interest.sync();
  }

  private onEvent(data: Uint8Array): void {
    const event = parseEvent(data);
    const ctx = this.ctx;
    if (ctx === undefined) return;
    switch (event.kind) {
      case 'provider-down':
      case 'provider-up':
        if (event.provider === this.options.provider) this.health.setRemote(event.kind === 'provider-up', `remote provider: ${event.kind === 'provider-down' ? event.message : ''}`);
        return;
      case 'stream-down':
      case 'stream-up':
        return this.streamState(event.id, event.kind === 'stream-down' ? event.reason : undefined);
      case 'gap': {
        const local = this.streams.has(event.id) ? this.map.toLocal(event.id) : undefined;
        if (local !== undefined) ctx.gap(local, event.reason);
        return;
      }
      default:
        return assertNever(event);
    }
  }

  /** A wanted stream stopped or started again at the exporter. */
  private streamState(remote: string, downReason: string | undefined): void {
    const local = this.streams.get(remote) === undefined ? undefined : this.map.toLocal(remote);
    if (local === undefined || this.ctx === undefined) return;
    if (downReason === undefined) this.ctx.streamUp(local);
    else this.ctx.streamDown(local, downReason);
  }

  /** Remembers which streams the remote provider says can never exist, for `validate`. */
  private remember(failures: readonly RemoteFailure[]): void {
    for (const failure of failures) {
      if (failure.invalid !== true) continue;
      if (this.verdicts.size >= 1_000) this.verdicts.delete(this.verdicts.keys().next().value as string);
      this.verdicts.set(failure.id, failure.reason);
    }
  }
}
