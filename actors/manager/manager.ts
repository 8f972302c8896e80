import type { Clock } from '../../common/clock';
import type { MessageEnvelope } from '../../common/envelope';
import { settleWithin } from '../../common/deadline';
import { TesseraError, toError } from '../../common/errors';
import type { JsonValue, Payload } from '../../common/json';
import type { Logger } from '../../common/logger';
import { assertFinitePayload, messageBytes } from '../../common/payload-size';
import type { ExplainResult, Limits, OverflowPolicy, RestartPolicy, ServiceStats } from '../../common/service-types';
import type { Provider, ProviderFactory } from '../../providers/contract';
import { parseIdentifier } from '../../router/identifier';
import { RouterPort } from '../../router/port';
import type { RouteTarget, RouterMsg } from '../../router/router-actor';
import { spawnRouter } from '../../router/router-actor';
import type { ConfigureEnv } from './configure';
import { configureSession, planBindings, resolvePattern } from './configure';
import type { ManagerMsg } from './manager-protocol';
import type { ActorHandle, Reply } from '../nact';
import { spawnGroup } from '../nact';
import { ProviderRecord } from '../provider/provider-record';
import { Sessions } from '../session/sessions';
import { PublishedStreams } from './published';
import type { Pattern } from '../../router/pattern';
import { StreamDirectory } from '../../router/streams';
import { newEpoch } from '../../common/epoch';

export interface ManagerConfig {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly publishNamespaces: ReadonlySet<string>;
  readonly faultInjection: boolean;
  readonly providerRestart: RestartPolicy;
  readonly sessionRestart: { readonly maxRestarts: number; readonly withinMs: number };
  readonly limits: Limits;
  readonly callTimeoutMs: number;
  readonly sessionDefaults: { readonly idleAfterMs: number; readonly outBuffer: number; readonly overflow: OverflowPolicy };
}

const NAMESPACE = /^[a-z0-9_-]{1,64}$/;

/**
 * The single owner of the desired state: which providers exist, which patterns each session
 * has, which streams are wanted. Its actor hands every message to `handle`, which never waits
 * on a provider or the router: slow work continues as a task (per session, in order) and
 * answers through the message's reply, so one stalled provider holds up nothing else.
 */
export class Manager {
  private readonly providers = new Map<string, ProviderRecord>();
  private readonly sessions: Sessions;
  private readonly port = new RouterPort();
  private readonly logger: Logger;
  private readonly providerGroup: ActorHandle<never>;
  /** seq counters per namespace under this service's epoch: a provider removed and added again carries on. */
  private readonly streams = new StreamDirectory(newEpoch());
  private readonly published: PublishedStreams;
  private router: ActorHandle<RouterMsg> | null = null;
  private routerIncarnation = 0;
  private readonly routeTotals = { routed: 0, matches: 0 };
  private routerRestarts = 0;
  private routerCrashes: number[] = [];
  private incarnations = 0;
  private stopping = false;
  private readonly configureEnv: ConfigureEnv;

  constructor(
    private readonly self: ActorHandle<ManagerMsg>,
    private readonly config: ManagerConfig,
    private readonly onFatal: (error: Error) => void,
  ) {
    this.logger = config.logger.child({ cmp: 'manager' });
    this.providerGroup = spawnGroup(self.asParent, 'providers');
    this.sessions = new Sessions({
      parent: self.asParent,
      clock: config.clock,
      logger: config.logger,
      limits: config.limits,
      defaults: config.sessionDefaults,
      restart: config.sessionRestart,
      toManager: (msg) => self.send(msg),
      toRouter: (msg) => this.router?.send(msg),
      releaseStreams: (name, ids) => this.providers.get(name)?.streams.release(ids),
      clientPort: {
        publish: (sessionId, attachment, id, payload) => this.ask((reply) => ({ type: 'publish', sessionId, attachment, id, payload, reply })),
        request: (sessionId, attachment, id, body) => this.ask((reply) => ({ type: 'request', sessionId, attachment, id, body, reply })),
      },
      nextIncarnation: () => ++this.incarnations,
    });
    this.streams.onForget = (id) => this.router?.send({ type: 'forget', id });
    this.published = new PublishedStreams(
      this.streams,
      config.clock,
      { maxStreams: config.limits.maxPublishedStreams, idleMs: config.limits.publishedIdleMs },
      (id) => [...(this.sessions.byNamespace.get(id.namespace) ?? [])].some((s) => [...s.bindings.values()].some((b) => b.pattern.matches(id))),
      () => self.send({ type: 'published-sweep' }),
    );
    this.configureEnv = {
      providers: this.providers,
      publishNamespaces: config.publishNamespaces,
      maxPatterns: config.limits.maxPatternsPerSession,
      callTimeoutMs: config.callTimeoutMs,
      logger: this.logger,
      toRouter: (msg) => this.router?.send(msg),
      routerBarrier: () => this.routerBarrier(),
      reindex: (session) => this.sessions.index(session, session.namespaces()),
    };
    this.startRouter();
  }

  /** Requests from client handles travel through the manager's own mailbox. */
  private ask<R>(build: (reply: Reply<R>) => ManagerMsg): Promise<R> {
    return this.self.ask(build, this.config.callTimeoutMs * 4, () => new TesseraError('TIMEOUT', 'the service did not answer in time'), () => shuttingDown());
  }

  handle(msg: ManagerMsg): void {
    switch (msg.type) {
      case 'add-provider':
        return this.answer(msg.reply, () => this.addProvider(msg.name, msg.source));
      case 'remove-provider':
        return this.answer(msg.reply, () => this.removeProvider(msg.name));
      case 'new-session':
        return this.answer(msg.reply, async () => this.sessions.create(msg.options));
      case 'attach':
        return this.answer(msg.reply, async () => this.sessions.attach(this.sessions.get(msg.sessionId), msg.options));
      case 'detach':
        return this.answer(msg.reply, async () => this.sessions.detach(this.sessions.get(msg.sessionId)));
      case 'configure': {
        const session = this.sessions.byId.get(msg.sessionId);
        if (session === undefined) return msg.reply.reject(new TesseraError('SESSION_NOT_FOUND', `no session "${msg.sessionId}"`));
        return this.answer(msg.reply, () => session.queue.run(() => configureSession(this.configureEnv, session, msg.patterns)));
      }
      case 'close-session':
        return this.answer(msg.reply, () => this.closeSession(msg.sessionId));
      case 'publish':
        return this.answer(msg.reply, async () => this.publish(msg.sessionId, msg.attachment, msg.id, msg.payload));
      case 'request':
        return this.answer(msg.reply, () => this.request(msg.sessionId, msg.attachment, msg.id, msg.body));
      case 'explain':
        return this.answer(msg.reply, () => this.explain(msg.pattern));
      case 'stats':
        return this.answer(msg.reply, () => this.stats());
      case 'crash':
        return this.answer(msg.reply, async () => this.crash(msg.target));
      case 'stop':
        return this.answer(msg.reply, () => this.stop());
      case 'provider-crashed':
        return this.providers.get(msg.name)?.crashed(msg.incarnation, msg.error);
      case 'provider-restart-due':
        return this.background(this.providers.get(msg.name)?.restartDue(msg.incarnation));
      case 'provider-event':
        return this.providerEvent(msg);
      case 'router-crashed':
        return this.routerCrashed(msg.incarnation, msg.error);
      case 'session-crashed':
        return this.sessions.crashed(msg.sessionId, msg.incarnation, msg.error);
      case 'session-idle':
        return this.sessions.idleFired(msg.sessionId, msg.timer);
      case 'published-sweep':
        return this.published.sweep();
      case 'slow-client': {
        const session = this.sessions.byId.get(msg.sessionId);
        if (session === undefined || session.attachment !== msg.attachment || session.attachment === 0) return;
        this.sessions.detach(session, { type: 'notice', kind: 'disconnected', reason: 'slow-client', dropped: session.outbox.dropped });
        return;
      }
    }
  }

  private answer<R>(reply: Reply<R>, op: () => Promise<R>): void {
    if (this.stopping) return reply.reject(shuttingDown());
    let result: Promise<R>;
    try {
      result = op();
    } catch (error) {
      return reply.reject(error);
    }
    result.then(reply.resolve, reply.reject);
  }

  private background(task: Promise<void> | undefined): void {
    task?.catch((error) => this.logger.error('background task failed', { error: toError(error).message }));
  }

  private async addProvider(name: string, source: Provider | ProviderFactory): Promise<void> {
    if (typeof name !== 'string' || !NAMESPACE.test(name.toLowerCase())) {
      throw new TesseraError('BAD_REQUEST', `provider name must be 1-64 chars of a-z 0-9 _ -, got ${JSON.stringify(name)}`);
    }
    name = name.toLowerCase();
    if (this.providers.has(name)) throw new TesseraError('PROVIDER_EXISTS', `provider "${name}" exists`);
    if (this.config.publishNamespaces.has(name)) throw new TesseraError('PROVIDER_EXISTS', `"${name}" is a publish namespace`);
    const record = new ProviderRecord(name, source, {
      parent: this.providerGroup.asParent,
      port: this.port,
      clock: this.config.clock,
      logger: this.config.logger,
      policy: this.config.providerRestart,
      callTimeoutMs: this.config.callTimeoutMs,
      nextIncarnation: () => ++this.incarnations,
      streams: this.streams,
      toManager: (msg) => this.self.send(msg),
      notifyBound: (namespace, notice) => this.sessions.notifyNamespace(namespace, notice),
    });
    this.providers.set(name, record);
    try {
      await record.start();
    } catch (error) {
      if (this.providers.get(name) === record) this.providers.delete(name);
      if (this.stopping) throw shuttingDown();
      throw new TesseraError('PROVIDER_START_FAILED', `provider "${name}" failed to start: ${toError(error).message}`, { cause: error });
    }
  }

  private async removeProvider(name: string): Promise<void> {
    const record = this.providers.get(typeof name === 'string' ? name.toLowerCase() : '');
    if (record === undefined) throw new TesseraError('PROVIDER_NOT_FOUND', `no provider "${name}"`);
    this.providers.delete(record.name);
    for (const session of [...(this.sessions.byNamespace.get(record.name) ?? [])]) {
      const gone = [...session.bindings].filter(([, b]) => b.pattern.namespace === record.name);
      session.bindings = new Map([...session.bindings].filter(([, b]) => b.pattern.namespace !== record.name));
      for (const [, binding] of gone) this.router?.send({ type: 'unbind', pattern: binding.pattern, target: session.outbox });
      this.sessions.index(session, session.namespaces());
      session.outbox.notice({ type: 'notice', kind: 'unbound', namespace: record.name, patterns: gone.map(([canonical]) => canonical) });
    }
    await record.stop();
  }

  /** Resolves once the providers have let go of the session's streams (bounded by the call timeout). */
  private async closeSession(sessionId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    const providers = [...session.wanted().keys()].map((name) => this.providers.get(name)).filter((p) => p !== undefined);
    this.sessions.close(session, 'closed');
    await settleWithin(Promise.all(providers.map((p) => p.streams.settled())), this.config.callTimeoutMs);
  }

  private publish(sessionId: string, attachment: number, text: string, payload: Payload): void {
    const session = this.sessions.get(sessionId);
    if (session.attachment !== attachment) throw new TesseraError('CLIENT_NOT_ATTACHED', `this client is no longer attached to session ${sessionId}`);
    const id = parseIdentifier(text);
    assertFinitePayload(payload, 'payload');
    const size = messageBytes(payload);
    if (this.providers.has(id.namespace)) throw new TesseraError('FORBIDDEN_NAMESPACE', `"${id.namespace}" belongs to a provider; clients cannot publish into it`);
    if (!this.config.publishNamespaces.has(id.namespace)) throw new TesseraError('UNKNOWN_NAMESPACE', `"${id.namespace}" is not a publish namespace`);
    const counter = this.published.counter(id);
    const msg: MessageEnvelope = { type: 'message', id: counter.id, seq: ++counter.seq, epoch: counter.epoch, ts: this.config.clock.now(), eventTs: undefined, payload, size };
    counter.last = msg;
    this.port.push(msg);
  }

  private async request(sessionId: string, attachment: number, text: string, body: JsonValue): Promise<JsonValue> {
    const session = this.sessions.get(sessionId);
    if (session.attachment !== attachment) throw new TesseraError('CLIENT_NOT_ATTACHED', `this client is no longer attached to session ${sessionId}`);
    const id = parseIdentifier(text);
    const record = this.providers.get(id.namespace);
    if (record === undefined) {
      if (this.config.publishNamespaces.has(id.namespace)) throw new TesseraError('NOT_SUPPORTED', `publish namespace "${id.namespace}" has no provider to answer requests`);
      throw new TesseraError('UNKNOWN_NAMESPACE', `no provider "${id.namespace}"`);
    }
    try {
      return await record.request(id, body);
    } catch (error) {
      if (error instanceof TesseraError) throw error;
      throw new TesseraError('PROVIDER_NOT_FOUND', `provider "${record.name}" could not answer: ${toError(error).message}`, { cause: error });
    }
  }

  private async explain(text: string): Promise<ExplainResult> {
    const pattern = resolvePattern(this.configureEnv, text);
    const [binding] = (await planBindings(this.configureEnv, [pattern], new Map())).values();
    const record = this.providers.get(pattern.namespace);
    const flowing = record ? record.streams.live().filter((id) => pattern.matches(id)).map((id) => id.canonical) : this.publishedMatching(pattern);
    const streams = capped(binding.streams.map((id) => id.canonical).sort());
    const flows = capped(flowing.sort());
    return {
      pattern: pattern.canonical,
      exact: pattern.exact,
      streams: streams.listed,
      flowing: flows.listed,
      ...(streams.omitted > 0 ? { streamsOmitted: streams.omitted } : {}),
      ...(flows.omitted > 0 ? { flowingOmitted: flows.omitted } : {}),
    };
  }

  private publishedMatching(pattern: Pattern): string[] {
    return [...this.streams.namespace(pattern.namespace).values()].filter((c) => pattern.matches(c.identifier)).map((c) => c.id);
  }

  private async stats(): Promise<ServiceStats> {
    const counters = await (this.router?.ask<{ routed: number; matches: number; cacheSize: number; bindings: number }>(
      (reply) => ({ type: 'counters', reply }),
      this.config.callTimeoutMs,
      () => new TesseraError('TIMEOUT', 'router did not answer'),
      () => new Error('router restarting'),
    ) ?? Promise.reject(new Error('router restarting'))).catch(() => ({ routed: 0, matches: 0, cacheSize: 0, bindings: 0 }));
    const listed = [...this.sessions.byId.values()].slice(0, MAX_LISTED);
    const omitted = this.sessions.byId.size - listed.length;
    return {
      providers: [...this.providers.values()].map((p) => ({ name: p.name, state: p.state, streams: p.streams.live().length, msgs: p.counters.msgs, restarts: p.restarts })),
      ...(omitted > 0 ? { sessionsOmitted: omitted } : {}),
      sessions: listed.map((s) => ({
        id: s.id,
        patterns: [...s.bindings.keys()].sort(),
        attached: s.attachment !== 0,
        buffered: s.outbox.size,
        bufferedBytes: s.outbox.bytes,
        delivered: s.outbox.delivered,
        dropped: s.outbox.dropped,
        restarts: s.restarts,
      })),
      router: { ...counters, dropped: this.port.dropped, restarts: this.routerRestarts },
    };
  }

  private crash(target: ManagerMsg & { type: 'crash' } extends { target: infer T } ? T : never): void {
    if (!this.config.faultInjection) throw new TesseraError('NOT_SUPPORTED', 'crash() needs the service started with { faultInjection: true }');
    if (target === 'router') return this.router?.send({ type: 'crash', error: new Error('fault injection: router crash') });
    if ('session' in target) return this.sessions.crash(this.sessions.get(target.session));
    const record = this.providers.get(target.provider);
    if (record === undefined) throw new TesseraError('PROVIDER_NOT_FOUND', `no provider "${target.provider}"`);
    record.crash();
  }

  private providerEvent(msg: ManagerMsg & { type: 'provider-event' }): void {
    const record = this.providers.get(msg.name);
    if (record === undefined || record.incarnation !== msg.incarnation || record.state !== 'running') return;
    const event = msg.event;
    switch (event.kind) {
      case 'stream-down':
      case 'stream-up':
        for (const session of this.sessions.byNamespace.get(msg.name) ?? []) {
          if (![...session.bindings.values()].some((b) => b.streams.some((id) => id.canonical === event.id))) continue;
          session.outbox.notice(event.kind === 'stream-down' ? { type: 'notice', kind: 'stream-down', id: event.id, reason: event.reason } : { type: 'notice', kind: 'stream-up', id: event.id });
        }
        return;
      case 'provider-down':
        return this.sessions.notifyNamespace(msg.name, { type: 'notice', kind: 'provider-down', provider: msg.name, reason: 'reported', message: event.reason });
      case 'provider-up':
        return this.sessions.notifyNamespace(msg.name, { type: 'notice', kind: 'provider-up', provider: msg.name });
    }
  }

  private startRouter(): void {
    const incarnation = ++this.routerIncarnation;
    const bindings: [Pattern, RouteTarget][] = [];
    for (const session of this.sessions.byId.values()) for (const binding of session.bindings.values()) bindings.push([binding.pattern, session.outbox]);
    this.router = spawnRouter(this.self.asParent, `router-${incarnation}`, this.port, this.routeTotals, this.streams, this.config.clock, bindings, (error) => this.self.send({ type: 'router-crashed', incarnation, error }));
  }

  private routerCrashed(incarnation: number, error: Error): void {
    if (incarnation !== this.routerIncarnation || this.stopping) return;
    const now = this.config.clock.now();
    this.routerCrashes = this.routerCrashes.filter((t) => now - t < this.config.providerRestart.withinMs);
    this.routerCrashes.push(now);
    if (this.routerCrashes.length > this.config.providerRestart.maxRestarts) {
      this.onFatal(new Error(`router crashed ${this.routerCrashes.length} times within ${this.config.providerRestart.withinMs} ms: ${error.message}`));
      return;
    }
    this.logger.warn('router crashed; rebuilding it from the sessions', { error: error.message });
    this.routerRestarts++;
    this.startRouter();
  }

  private async routerBarrier(): Promise<void> {
    const router = this.router;
    if (router === null) return;
    await router
      .ask<void>((reply) => ({ type: 'sync', reply }), this.config.callTimeoutMs, () => new Error('router sync timed out'), () => new Error('router gone'))
      .catch(() => undefined);
  }

  /** Graceful: clients completed, providers stopped, router stopped. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.published.stop();
    for (const session of [...this.sessions.byId.values()]) this.sessions.close(session, 'shutdown');
    const records = [...this.providers.values()];
    this.providers.clear();
    await Promise.all(records.map((record) => record.stop().catch(() => undefined)));
    this.router?.stop(shuttingDown());
    this.router = null;
    this.port.close();
  }
}

/** Longest list an `explain` or `stats` answer carries; the rest is counted, not listed. */
const MAX_LISTED = 1_000;

function capped(items: string[]): { listed: string[]; omitted: number } {
  return items.length <= MAX_LISTED ? { listed: items, omitted: 0 } : { listed: items.slice(0, MAX_LISTED), omitted: items.length - MAX_LISTED };
}

function shuttingDown(): TesseraError {
  return new TesseraError('SHUTTING_DOWN', 'the service is shutting down');
}
