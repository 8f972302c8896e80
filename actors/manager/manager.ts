import { assertNever } from '../../common/assert-never';
import type { Clock } from '../../common/clock';
import { settleWithin } from '../../common/deadline';
import { TesseraError, toError } from '../../common/errors';
import type { JsonValue, Payload } from '../../common/json';
import type { Logger } from '../../common/logger';
import type { CrashTarget, Limits, OverflowPolicy, RestartPolicy, ServiceStats } from '../../common/service-types';
import { parseIdentifier } from '../../router/identifier';
import type { RouteTarget } from '../../router/router-actor';
import type { ConfigureEnv } from './configure';
import { configureSession, explainPattern } from './configure';
import type { ManagerMsg } from './manager-protocol';
import type { ActorHandle, Reply } from '../nact';
import { ProviderSet } from './provider-set';
import { Sessions } from '../session/sessions';
import type { Pattern } from '../../router/pattern';
import { PublishedStreams } from './published';
import { Publishing } from './publishing';
import { RouterLifecycle } from './router-lifecycle';
import { StreamDirectory } from '../../router/streams';
import { newEpoch } from '../../common/epoch';
import { WorkerRecord, type WorkerEnv } from '../worker/worker-record';
import { workerStats } from '../worker/worker-stats';

export interface ManagerConfig {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly publishNamespaces: ReadonlySet<string>;
  readonly faultInjection: boolean;
  readonly providerRestart: RestartPolicy;
  readonly sessionRestart: { readonly maxRestarts: number; readonly withinMs: number };
  readonly routerRestart: { readonly maxRestarts: number; readonly withinMs: number };
  readonly limits: Limits;
  readonly callTimeoutMs: number;
  readonly sessionDefaults: { readonly idleAfterMs: number; readonly outBuffer: number; readonly overflow: OverflowPolicy };
  /** Told of every session that is gone. */
  readonly sessionClosed?: (sessionId: string) => void;
}

/**
 * The single owner of the desired state: which providers exist, which patterns each session
 * has, which streams are wanted. Its actor hands every message to `handle`, which never waits
 * on a provider or the router: slow work continues as a task (per session, in order) and
 * answers through the message's reply, so one stalled provider holds up nothing else.
 */
export class Manager {
  private readonly providers: ProviderSet;
  private readonly sessions: Sessions;
  private readonly router: RouterLifecycle;
  private readonly publishing: Publishing;
  /** seq counters per namespace under this service's epoch: a provider removed and added again carries on. */
  private readonly streams = new StreamDirectory(newEpoch());
  private readonly logger: Logger;
  private incarnations = 0;
  private stopping = false;
  private readonly configureEnv: ConfigureEnv;
  private readonly workerEnv: WorkerEnv;

  constructor(
    private readonly self: ActorHandle<ManagerMsg>,
    private readonly config: ManagerConfig,
    onFatal: (error: Error) => void,
  ) {
    this.logger = config.logger.child({ cmp: 'manager' });
    this.sessions = new Sessions({
      parent: self.asParent,
      clock: config.clock,
      logger: config.logger,
      limits: config.limits,
      defaults: config.sessionDefaults,
      restart: config.sessionRestart,
      toManager: (msg) => self.send(msg),
      toRouter: (msg) => this.router.send(msg),
      releaseStreams: (name, ids) => this.providers.get(name)?.streams.release(ids),
      clientPort: {
        publish: (sessionId, attachment, id, payload) => this.ask((reply) => ({ type: 'publish', sessionId, attachment, id, payload, reply })),
        request: (sessionId, attachment, id, body) => this.ask((reply) => ({ type: 'request', sessionId, attachment, id, body, reply })),
      },
      nextIncarnation: () => ++this.incarnations,
      closed: config.sessionClosed,
    });
    this.router = new RouterLifecycle({
      parent: self.asParent,
      clock: config.clock,
      logger: this.logger,
      restart: config.routerRestart,
      callTimeoutMs: config.callTimeoutMs,
      streams: this.streams,
      bindings: () => this.bindings(),
      crashed: (incarnation, error) => self.send({ type: 'router-crashed', incarnation, error }),
      fatal: onFatal,
    });
    this.providers = new ProviderSet({
      parent: self.asParent,
      port: this.router.port,
      clock: config.clock,
      logger: config.logger,
      policy: config.providerRestart,
      callTimeoutMs: config.callTimeoutMs,
      publishNamespaces: config.publishNamespaces,
      streams: this.streams,
      nextIncarnation: () => ++this.incarnations,
      toManager: (msg) => self.send(msg),
      notifyBound: (namespace, notice) => this.sessions.notifyNamespace(namespace, notice),
    });
    this.configureEnv = {
      providers: this.providers.records,
      publishNamespaces: config.publishNamespaces,
      maxPatterns: config.limits.maxPatternsPerSession,
      callTimeoutMs: config.callTimeoutMs,
      logger: this.logger,
      rebind: (session, next, last) => this.sessions.rebind(session, next, last),
      routerBarrier: () => this.router.barrier(),
    };
    this.workerEnv = {
      configure: { ...this.configureEnv, maxPatterns: Number.MAX_SAFE_INTEGER, rebind: (inputs, next) => inputs.rebind(next, (msg) => this.router.send(msg)) },
      dependencies: (ns) => {
        const record = this.providers.get(ns);
        return record instanceof WorkerRecord ? record.inputs.namespaces() : undefined;
      },
      maxPendingInputs: 65_536,
    };
    this.streams.onForget = (id) => this.router.send({ type: 'forget', id });
    const published = new PublishedStreams(
      this.streams,
      config.clock,
      { maxStreams: config.limits.maxPublishedStreams, idleMs: config.limits.publishedIdleMs },
      (id) => this.sessions.watches(id),
      () => self.send({ type: 'published-sweep' }),
    );
    this.publishing = new Publishing(this.router.port, config.clock, published, config.publishNamespaces, (namespace) => this.providers.has(namespace));
  }

  /** Requests from client handles travel through the manager's own mailbox. */
  private ask<R>(build: (reply: Reply<R>) => ManagerMsg): Promise<R> {
    return this.self.ask(build, this.config.callTimeoutMs * 4, () => new TesseraError('TIMEOUT', 'the service did not answer in time'), () => shuttingDown());
  }

  handle(msg: ManagerMsg): void {
    switch (msg.type) {
      case 'add-provider':
        return this.answer(msg.reply, () => this.providers.add(msg.name, msg.source, () => this.stopping));
      case 'remove-provider':
        return this.answer(msg.reply, () => this.removeProvider(msg.name, false));
      case 'add-worker': {
        const source = msg.source;
        return this.answer(msg.reply, () => this.providers.add(msg.name, source, () => this.stopping, (name, env) => new WorkerRecord(name, source, env, this.workerEnv)));
      }
      case 'remove-worker':
        return this.answer(msg.reply, () => this.removeProvider(msg.name, true));
      case 'new-session':
        return this.answer(msg.reply, async () => this.sessions.create(msg.options));
      case 'attach':
        return this.answer(msg.reply, async () => this.sessions.attach(this.sessions.get(msg.sessionId), msg.options));
      case 'detach':
        return this.answer(msg.reply, async () => this.sessions.detach(this.sessions.get(msg.sessionId)));
      case 'configure': {
        const session = this.sessions.byId.get(msg.sessionId);
        if (session === undefined) return msg.reply.reject(new TesseraError('SESSION_NOT_FOUND', `no session "${msg.sessionId}"`));
        return this.answer(msg.reply, () => session.queue.run(() => configureSession(this.configureEnv, session, msg.patterns, msg.last)));
      }
      case 'close-session':
        return this.answer(msg.reply, () => this.closeSession(msg.sessionId));
      case 'publish':
        return this.answer(msg.reply, async () => this.publish(msg.sessionId, msg.attachment, msg.id, msg.payload));
      case 'request':
        return this.answer(msg.reply, () => this.request(msg.sessionId, msg.attachment, msg.id, msg.body));
      case 'explain':
        return this.answer(msg.reply, () => explainPattern(this.configureEnv, msg.pattern, (pattern) => this.publishing.matching(pattern)));
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
        return this.stopping ? undefined : this.router.crashed(msg.incarnation, msg.error);
      case 'session-crashed':
        return this.sessions.crashed(msg.sessionId, msg.incarnation, msg.error);
      case 'session-idle':
        return this.sessions.idleFired(msg.sessionId, msg.timer);
      case 'slow-client':
        return this.sessions.cutOff(msg.sessionId, msg.attachment);
      case 'published-sweep':
        return this.publishing.sweep();
      default:
        return assertNever(msg);
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

  private async removeProvider(name: string, worker: boolean): Promise<void> {
    const found = this.providers.get(typeof name === 'string' ? name.toLowerCase() : '');
    if (found !== undefined && found instanceof WorkerRecord !== worker) throw new TesseraError('PROVIDER_NOT_FOUND', `no ${worker ? 'worker' : 'provider'} "${name}"`);
    const record = this.providers.remove(name);
    this.sessions.dropNamespace(record.name);
    for (const other of this.workers()) this.background(other.inputsGone(record.name));
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
    this.sessions.requireAttached(sessionId, attachment);
    this.publishing.publish(text, payload);
  }

  private async request(sessionId: string, attachment: number, text: string, body: JsonValue): Promise<JsonValue> {
    this.sessions.requireAttached(sessionId, attachment);
    return this.providers.request(parseIdentifier(text), body);
  }

  private async stats(): Promise<ServiceStats> {
    const router = await this.router.stats();
    const streams = this.providers.streamStats(this.streams);
    const omitted = Math.max(0, this.sessions.byId.size - MAX_LISTED);
    return {
      providers: this.providers.stats((p) => !(p instanceof WorkerRecord)),
      workers: this.workers().map(workerStats),
      streams: streams.slice(0, MAX_LISTED),
      ...(streams.length > MAX_LISTED ? { streamsOmitted: streams.length - MAX_LISTED } : {}),
      ...(omitted > 0 ? { sessionsOmitted: omitted } : {}),
      sessions: this.sessions.stats(MAX_LISTED),
      sessionTotals: this.sessions.totals(),
      router,
    };
  }

  private crash(target: CrashTarget): void {
    if (!this.config.faultInjection) throw new TesseraError('NOT_SUPPORTED', 'crash() needs the service started with { faultInjection: true }');
    if (target === 'router') return this.router.crash();
    if ('session' in target) return this.sessions.crash(this.sessions.get(target.session));
    this.providers.crash('provider' in target ? target.provider : target.worker);
  }

  private providerEvent(msg: ManagerMsg & { type: 'provider-event' }): void {
    const record = this.providers.get(msg.name);
    if (record === undefined || record.incarnation !== msg.incarnation || record.state !== 'running') return;
    const event = msg.event;
    switch (event.kind) {
      case 'stream-down':
        return this.sessions.notifyStream(msg.name, event.id, { type: 'notice', kind: 'stream-down', id: event.id, reason: event.reason });
      case 'stream-up':
        return this.sessions.notifyStream(msg.name, event.id, { type: 'notice', kind: 'stream-up', id: event.id });
      case 'provider-down':
        return this.sessions.notifyNamespace(msg.name, { type: 'notice', kind: 'provider-down', provider: msg.name, reason: 'reported', message: event.reason });
      case 'provider-up':
        return this.sessions.notifyNamespace(msg.name, { type: 'notice', kind: 'provider-up', provider: msg.name });
      default:
        return assertNever(event);
    }
  }

  /** Every session's bindings and every worker's inputs, for a new router incarnation's table. */
  private *bindings(): Iterable<[Pattern, RouteTarget]> {
    for (const session of this.sessions.byId.values()) for (const binding of session.bindings.values()) yield [binding.pattern, session.outbox];
    for (const worker of this.workers()) for (const binding of worker.inputs.subscriber.bindings.values()) yield [binding.pattern, worker.port];
  }

  private workers(): WorkerRecord[] {
    // The first router incarnation asks for bindings while the manager is still being built.
    const records: ReadonlyMap<string, unknown> | undefined = this.providers?.records;
    return records === undefined ? [] : [...records.values()].filter((p) => p instanceof WorkerRecord);
  }

  /** Graceful: clients completed, providers stopped, router stopped. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.publishing.stop();
    for (const session of [...this.sessions.byId.values()]) this.sessions.close(session, 'shutdown');
    await this.providers.stopAll();
    this.router.stop(shuttingDown());
  }
}

/** Most sessions (and streams) a `stats` answer lists; the rest are counted. */
const MAX_LISTED = 1_000;

function shuttingDown(): TesseraError {
  return new TesseraError('SHUTTING_DOWN', 'the service is shutting down');
}
