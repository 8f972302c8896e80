import { assertNever } from '../common/assert-never';
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'nats';
import type { Msg } from 'nats';
import { SerialQueue } from '../common/serial-queue';
import type { Cancel, Clock } from '../common/clock';
import { TesseraError, toError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { DataService } from '../data-service';
import { parseIdentifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';
import { Leases, type LeaseInfo, type UnionChange } from './leases';
import type { NatsLink } from './link';
import { encodeJson, errorReply, parseControlRequest, type ControlReply, type ControlRequest, type InterestReply, type RemoteFailure } from './protocol';
import { Publisher } from './publisher';
import { subjectsOf, type Subjects } from './subjects';
import { Upstream } from './upstream';

export interface ExporterOptions {
  /** This node's name: the exporter answers under `tessera.<node>.`. */
  readonly node: string;
  /** The providers (namespaces) offered to other nodes. */
  readonly providers: readonly string[];
  readonly heartbeatMs: number;
  /** Longest lease granted, whatever an importer asks for. */
  readonly maxLeaseMs: number;
  /** How often expired leases are swept. */
  readonly sweepMs: number;
  readonly streamsPerSession: number;
  readonly outBuffer: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface ExporterStats {
  readonly node: string;
  readonly instance: string;
  readonly holders: readonly LeaseInfo[];
  /** Streams pulled from the local service (each once, whoever wants it). */
  readonly streams: number;
  readonly published: number;
  readonly unsent: number;
  readonly dropped: number;
}

/**
 * Offers chosen providers of the local service on NATS. Remote interest arrives as leases on
 * the control subject and is kept per holder; the union is pulled through internal sessions
 * (one upstream subscription per stream) and each message is published once, on its stream's
 * subject, for NATS to fan out. Interest changes run one at a time, in arrival order.
 */
export class Exporter {
  readonly instance = randomUUID();
  private readonly subjects: Subjects;
  private readonly exported: ReadonlySet<string>;
  private readonly leases = new Leases();
  private readonly queue = new SerialQueue();
  private readonly upstream: Upstream;
  private readonly publisher: Publisher;
  private readonly log: Logger;
  private control: Subscription | undefined;
  private timers: Cancel[] = [];
  private stopListening: () => void = () => undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    link: NatsLink,
    private readonly service: DataService,
    private readonly options: ExporterOptions,
  ) {
    this.subjects = subjectsOf(options.node);
    this.exported = new Set(options.providers);
    this.log = options.logger.child({ cmp: 'exporter', node: options.node });
    this.publisher = new Publisher(link, this.subjects, this.exported, this.log);
    this.upstream = new Upstream(service, this.publisher, options, this.log);
  }

  static start(link: NatsLink, service: DataService, options: ExporterOptions): Exporter {
    const exporter = new Exporter(link, service, options);
    exporter.control = link.subscribe(exporter.subjects.control, (msg) => exporter.onControl(msg));
    exporter.timers = [options.clock.setInterval(() => exporter.beat('up'), options.heartbeatMs), options.clock.setInterval(() => exporter.sweep(), options.sweepMs)];
    exporter.stopListening = link.onChange((connected) => connected && exporter.beat('up'));
    exporter.beat('up');
    exporter.log.info('exporting', { providers: options.providers, instance: exporter.instance });
    return exporter;
  }

  stats(): ExporterStats {
    const now = this.options.clock.now();
    return { node: this.options.node, instance: this.instance, holders: this.leases.info(now), streams: this.upstream.size, ...this.publisher.counts };
  }

  /** Says goodbye on the heartbeat subject, then lets go of every stream. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const cancel of this.timers) cancel();
      this.stopListening();
      this.control?.unsubscribe();
      this.publisher.flush();
      this.beat('stopping');
      await this.queue.run(() => this.upstream.close());
    })();
    return this.stopping;
  }

  private onControl(msg: Msg): void {
    let request: ControlRequest;
    try {
      request = parseControlRequest(msg.data);
    } catch (error) {
      this.respond(msg, errorReply(error));
      return;
    }
    const work: Promise<ControlReply> = request.op === 'interest' ? this.interest(request) : this.answer(request);
    work.then(
      (reply) => this.respond(msg, reply),
      (error: unknown) => this.respond(msg, errorReply(error)),
    );
  }

  /**
   * Changes run one at a time, in arrival order. A lease is renewed the moment a request
   * arrives, though, and a bare renewal is answered at once: a slow upstream subscribe holding
   * up the queue must not let other nodes' leases lapse.
   */
  private async interest(request: ControlRequest & { op: 'interest' }): Promise<InterestReply> {
    if (this.stopping !== undefined) throw new TesseraError('SHUTTING_DOWN', 'the exporter is stopping');
    const leaseMs = Math.min(request.leaseMs, this.options.maxLeaseMs);
    if (request.release !== true) this.leases.renew(request.holder, this.options.clock.now(), leaseMs);
    const changes = request.release === true || request.set !== undefined || (request.add?.length ?? 0) > 0 || (request.remove?.length ?? 0) > 0;
    if (!changes) return this.reply(request.holder, []);
    return this.queue.run(() => this.change(request, leaseMs));
  }

  private async change(request: ControlRequest & { op: 'interest' }, leaseMs: number): Promise<InterestReply> {
    const { holder } = request;
    const refused: RemoteFailure[] = [];
    if (request.release === true) {
      await this.apply(this.leases.drop(holder));
      return this.reply(holder, refused);
    }
    // Again: a sweep queued ahead of this request may have ended the lease meanwhile.
    this.leases.renew(holder, this.options.clock.now(), leaseMs);
    const accept = (ids: readonly string[] | undefined): string[] => (ids ?? []).filter((id) => this.accepts(id, refused));
    let change: UnionChange;
    if (request.set !== undefined) change = this.leases.set(holder, accept(request.set));
    else {
      const removed = this.leases.remove(holder, request.remove ?? []).removed;
      change = { added: this.leases.add(holder, accept(request.add)).added, removed };
    }
    refused.push(...(await this.apply(change)));
    return this.reply(holder, refused);
  }

  private reply(holder: string, failed: readonly RemoteFailure[]): InterestReply {
    return { ok: true, instance: this.instance, ...this.leases.describe(holder), failed };
  }

  private async apply(change: UnionChange): Promise<RemoteFailure[]> {
    if (change.added.length === 0 && change.removed.length === 0) return [];
    for (const id of change.removed) this.publisher.forget(id);
    const failures = await this.upstream.update(change);
    // A stream that did not start is held by nobody, so digests on both sides stay honest.
    for (const failure of failures) this.leases.forget(failure.id);
    if (failures.length > 0) this.log.info('streams refused upstream', { streams: failures.map((f) => f.id) });
    return failures;
  }

  /** Only canonical identifiers of exported providers cross the link. */
  private accepts(text: string, refused: RemoteFailure[]): boolean {
    try {
      const id = parseIdentifier(text);
      if (id.canonical !== text) throw new TesseraError('INVALID_IDENTIFIER', `"${text}" is not canonical`);
      if (!this.exported.has(id.namespace)) throw new TesseraError('FORBIDDEN_NAMESPACE', `"${id.namespace}" is not exported by node ${this.options.node}`);
      return true;
    } catch (error) {
      refused.push({ id: text, reason: toError(error).message, invalid: true });
      return false;
    }
  }

  private async answer(request: Exclude<ControlRequest, { op: 'interest' }>): Promise<ControlReply> {
    switch (request.op) {
      case 'expand': {
        this.exportedOrThrow(parsePattern(request.pattern).namespace);
        const explained = await this.service.explain(request.pattern);
        return { ok: true, streams: explained.streams };
      }
      case 'request':
        this.exportedOrThrow(parseIdentifier(request.id).namespace);
        return { ok: true, body: await this.upstream.request(request.id, request.body) };
      default:
        return assertNever(request);
    }
  }

  private exportedOrThrow(namespace: string): void {
    if (!this.exported.has(namespace)) throw new TesseraError('FORBIDDEN_NAMESPACE', `"${namespace}" is not exported by node ${this.options.node}`);
  }

  private sweep(): void {
    if (this.stopping !== undefined) return;
    void this.queue
      .run(async () => {
        const { holders, removed } = this.leases.expire(this.options.clock.now());
        if (holders.length === 0) return;
        this.log.info('leases expired', { holders, streams: removed.length });
        await this.apply({ added: [], removed });
      })
      .catch((error: unknown) => this.log.error('lease sweep failed', { error: toError(error).message }));
  }

  private beat(state: 'up' | 'stopping'): void {
    this.publisher.heartbeat({ instance: this.instance, intervalMs: this.options.heartbeatMs, state });
  }

  private respond(msg: Msg, reply: ControlReply): void {
    try {
      msg.respond(encodeJson(reply));
    } catch (error) {
      this.log.warn('could not answer a control request', { error: toError(error).message });
    }
  }
}
