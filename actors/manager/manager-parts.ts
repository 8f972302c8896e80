import type { Clock } from '../../common/clock';
import { newEpoch } from '../../common/epoch';
import { TesseraError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { Limits, OverflowPolicy, RestartPolicy } from '../../common/service-types';
import type { Pattern } from '../../router/pattern';
import type { RouteTarget } from '../../router/router-actor';
import { StreamDirectory } from '../../router/streams';
import type { ActorHandle, Reply } from '../nact';
import { Sessions } from '../session/sessions';
import { WorkerRecord, type WorkerEnv } from '../worker/worker-record';
import type { ConfigureEnv } from './configure';
import type { ManagerMsg } from './manager-protocol';
import { ProviderSet } from './provider-set';
import { PublishedStreams } from './published';
import { Publishing } from './publishing';
import { RouterLifecycle } from './router-lifecycle';

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

/** What the manager is made of, wired to each other and to its mailbox. */
export interface ManagerParts {
  readonly sessions: Sessions;
  readonly router: RouterLifecycle;
  readonly providers: ProviderSet;
  readonly publishing: Publishing;
  /** seq counters per namespace under this service's epoch: a provider removed and added again carries on. */
  readonly streams: StreamDirectory;
  readonly configureEnv: ConfigureEnv;
  readonly workerEnv: WorkerEnv;
}

export function shuttingDown(): TesseraError {
  return new TesseraError('SHUTTING_DOWN', 'the service is shutting down');
}

/** Builds the parts; `logger` is the manager's own child logger. */
export function buildManagerParts(self: ActorHandle<ManagerMsg>, config: ManagerConfig, logger: Logger, onFatal: (error: Error) => void): ManagerParts {
  let incarnations = 0;
  const nextIncarnation = (): number => ++incarnations;
  // Requests from client handles travel through the manager's own mailbox.
  const ask = <R>(build: (reply: Reply<R>) => ManagerMsg): Promise<R> =>
    self.ask(build, config.callTimeoutMs * 4, () => new TesseraError('TIMEOUT', 'the service did not answer in time'), () => shuttingDown());
  const streams = new StreamDirectory(newEpoch());
  // The router and the provider set are made after the sessions, which only reach them later.
  let providers: ProviderSet | undefined;
  const sessions = new Sessions({
    parent: self.asParent,
    clock: config.clock,
    logger: config.logger,
    limits: config.limits,
    defaults: config.sessionDefaults,
    restart: config.sessionRestart,
    toManager: (msg) => self.send(msg),
    toRouter: (msg) => router.send(msg),
    releaseStreams: (name, ids) => providers?.get(name)?.streams.release(ids),
    clientPort: {
      publish: (sessionId, attachment, id, payload) => ask((reply) => ({ type: 'publish', sessionId, attachment, id, payload, reply })),
      request: (sessionId, attachment, id, body) => ask((reply) => ({ type: 'request', sessionId, attachment, id, body, reply })),
    },
    nextIncarnation,
    closed: config.sessionClosed,
  });
  const router: RouterLifecycle = new RouterLifecycle({
    parent: self.asParent,
    clock: config.clock,
    logger,
    restart: config.routerRestart,
    callTimeoutMs: config.callTimeoutMs,
    streams,
    bindings: () => bindings(sessions, providers),
    crashed: (incarnation, error) => self.send({ type: 'router-crashed', incarnation, error }),
    fatal: onFatal,
  });
  const set = new ProviderSet({
    parent: self.asParent,
    port: router.port,
    clock: config.clock,
    logger: config.logger,
    policy: config.providerRestart,
    callTimeoutMs: config.callTimeoutMs,
    publishNamespaces: config.publishNamespaces,
    streams,
    nextIncarnation,
    toManager: (msg) => self.send(msg),
    notifyBound: (namespace, notice) => sessions.notifyNamespace(namespace, notice),
  });
  providers = set;
  const configureEnv: ConfigureEnv = {
    providers: set.records,
    publishNamespaces: config.publishNamespaces,
    maxPatterns: config.limits.maxPatternsPerSession,
    callTimeoutMs: config.callTimeoutMs,
    logger,
    rebind: (session, next, last) => sessions.rebind(session, next, last),
    routerBarrier: () => router.barrier(),
  };
  const workerEnv: WorkerEnv = {
    configure: { ...configureEnv, maxPatterns: Number.MAX_SAFE_INTEGER, rebind: (inputs, next) => inputs.rebind(next, (msg) => router.send(msg)) },
    toRouter: (msg) => router.send(msg),
    dependencies: (ns) => {
      const record = set.get(ns);
      return record instanceof WorkerRecord ? record.inputs.namespaces() : undefined;
    },
    maxPendingInputs: 65_536,
  };
  streams.onForget = (id) => router.send({ type: 'forget', id });
  const published = new PublishedStreams(
    streams,
    config.clock,
    { maxStreams: config.limits.maxPublishedStreams, idleMs: config.limits.publishedIdleMs },
    (id) => sessions.watches(id),
    () => self.send({ type: 'published-sweep' }),
  );
  const publishing = new Publishing(router.port, config.clock, published, config.publishNamespaces, (namespace) => set.has(namespace));
  return { sessions, router, providers: set, publishing, streams, configureEnv, workerEnv };
}

/** The workers among the providers; none while the set is still being built. */
export function workersOf(providers: ProviderSet | undefined): WorkerRecord[] {
  return providers === undefined ? [] : [...providers.records.values()].filter((p) => p instanceof WorkerRecord);
}

/** Every session's bindings and every worker's inputs, for a new router incarnation's table. */
function* bindings(sessions: Sessions, providers: ProviderSet | undefined): Iterable<[Pattern, RouteTarget]> {
  for (const session of sessions.byId.values()) for (const binding of session.bindings.values()) yield [binding.pattern, session.outbox];
  for (const worker of workersOf(providers)) for (const binding of worker.inputs.subscriber.bindings.values()) yield [binding.pattern, worker.port];
}
