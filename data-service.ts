import { systemClock } from './common/clock';
import { TesseraError, toError } from './common/errors';
import { createLogger } from './common/logger';
import type { Logger } from './common/logger';
import type { AttachOptions, Client, ConfigureOptions, CrashTarget, ExplainResult, Limits, ServiceOptions, ServiceStats, SessionOptions } from './common/service-types';
import { OVERFLOW_POLICIES } from './common/service-types';
import { Manager } from './actors/manager/manager';
import type { ManagerMsg } from './actors/manager/manager-protocol';
import type { ActorHandle, Reply } from './actors/nact';
import { ActorSystem, spawnActor } from './actors/nact';
import { DEFAULT_PROVIDER_RESTART, DEFAULT_SESSION_RESTART, DEFAULT_ROUTER_RESTART } from './common/restart-policy';
import type { Provider, ProviderFactory } from './providers/contract';
import type { Worker, WorkerFactory } from './workers/contract';

export const DEFAULT_LIMITS: Limits = {
  maxSessions: 100_000,
  maxPatternsPerSession: 1_000,
  maxOutBuffer: 1_000_000,
  maxOutBufferBytes: 16 * 1_048_576,
  maxTotalBufferBytes: 256 * 1_048_576,
  maxPublishedStreams: 10_000,
  publishedIdleMs: 60_000,
};

/**
 * The service API (README, "Using it as a library"). It hides nact: every call is a message to the manager actor and
 * every answer a promise; every failure is a `TesseraError` with a stable `code`.
 */
export class DataService {
  /** Resolves when the service has stopped; `fatal` is set when the manager crashed. */
  readonly terminated: Promise<{ fatal?: Error }>;
  private state: 'running' | 'stopping' | 'stopped' = 'running';
  private resolveTerminated!: (outcome: { fatal?: Error }) => void;
  private stopping: Promise<void> | null = null;
  private readonly closedListeners = new Set<(sessionId: string) => void>();

  private constructor(
    private readonly system: ActorSystem,
    private readonly manager: ActorHandle<ManagerMsg>,
    private readonly core: Manager,
    private readonly logger: Logger,
    private readonly opTimeoutMs: number,
  ) {
    this.terminated = new Promise((resolve) => (this.resolveTerminated = resolve));
  }

  /** Starts the actor system, the manager and the router. */
  static async start(options: ServiceOptions = {}): Promise<DataService> {
    const logger = options.logger ?? createLogger();
    const callTimeoutMs = options.providerCallTimeoutMs ?? 10_000;
    const overflow = options.sessionDefaults?.overflow ?? 'drop-newest';
    if (!OVERFLOW_POLICIES.includes(overflow)) throw new TesseraError('BAD_REQUEST', `sessionDefaults.overflow must be one of ${OVERFLOW_POLICIES.join(', ')}`);
    const publishNamespaces = new Set((options.publishNamespaces ?? []).map((ns) => ns.toLowerCase()));
    const system = new ActorSystem();
    let service: DataService | undefined;
    let manager: Manager | undefined;
    const handle = spawnActor<null, ManagerMsg>(
      system.parent,
      'manager',
      (state, msg) => {
        manager!.handle(msg);
        return state;
      },
      {
        initialState: null,
        // The manager owns all state: a crash of it is fatal (ARCHITECTURE.md, "Supervision tree").
        onCrash: (error) => {
          queueMicrotask(() => service?.fatal(error));
          return 'stop';
        },
      },
    );
    manager = new Manager(
      handle,
      {
        clock: options.clock ?? systemClock,
        logger,
        publishNamespaces,
        faultInjection: options.faultInjection ?? false,
        providerRestart: { ...DEFAULT_PROVIDER_RESTART, ...options.providerRestart },
        sessionRestart: { ...DEFAULT_SESSION_RESTART, ...options.sessionRestart },
        routerRestart: { ...DEFAULT_ROUTER_RESTART, ...options.routerRestart },
        limits: { ...DEFAULT_LIMITS, ...options.limits },
        callTimeoutMs,
        sessionDefaults: {
          idleAfterMs: options.sessionDefaults?.idleAfterMs ?? 30_000,
          outBuffer: options.sessionDefaults?.outBuffer ?? 1024,
          overflow,
        },
        sessionClosed: (id) => service?.sessionGone(id),
      },
      (error) => service?.fatal(error),
    );
    service = new DataService(system, handle, manager, logger.child({ cmp: 'service' }), callTimeoutMs * 4);
    return service;
  }

  addProvider(name: string, provider: Provider | ProviderFactory): Promise<void> {
    return this.call((reply) => ({ type: 'add-provider', name, source: provider, reply }));
  }

  removeProvider(name: string): Promise<void> {
    return this.call((reply) => ({ type: 'remove-provider', name, reply }));
  }

  /**
   * Starts a worker in a new actor under `name`, its namespace: streams derived from other
   * streams (README, "Writing a worker"). Errors as for `addProvider`.
   */
  addWorker(name: string, worker: Worker | WorkerFactory): Promise<void> {
    return this.call((reply) => ({ type: 'add-worker', name, source: worker, reply }));
  }

  /** Stops the worker's streams, releases its inputs and stops it; `PROVIDER_NOT_FOUND` if there is no such worker. */
  removeWorker(name: string): Promise<void> {
    return this.call((reply) => ({ type: 'remove-worker', name, reply }));
  }

  newSession(options: SessionOptions = {}): Promise<string> {
    return this.call((reply) => ({ type: 'new-session', options, reply }));
  }

  attachClient(sessionId: string, options: AttachOptions = {}): Promise<Client> {
    return this.call((reply) => ({ type: 'attach', sessionId, options, reply }));
  }

  detachClient(sessionId: string): Promise<void> {
    return this.call((reply) => ({ type: 'detach', sessionId, reply }));
  }

  /** `last`: see ConfigureOptions. */
  configureSession(sessionId: string, patterns: readonly string[], options: ConfigureOptions = {}): Promise<string[]> {
    if (!Array.isArray(patterns)) return Promise.reject(new TesseraError('BAD_REQUEST', 'patterns must be an array of strings'));
    if (options.last !== undefined && typeof options.last !== 'boolean') return Promise.reject(new TesseraError('BAD_REQUEST', 'last must be a boolean'));
    return this.call((reply) => ({ type: 'configure', sessionId, patterns: [...patterns], last: options.last === true, reply }));
  }

  closeSession(sessionId: string): Promise<void> {
    return this.call((reply) => ({ type: 'close-session', sessionId, reply }));
  }

  explain(pattern: string): Promise<ExplainResult> {
    return this.call((reply) => ({ type: 'explain', pattern, reply }));
  }

  stats(): Promise<ServiceStats> {
    return this.call((reply) => ({ type: 'stats', reply }));
  }

  /** Crashes an actor for real, for supervision tests; needs `{ faultInjection: true }`. */
  crash(target: CrashTarget): Promise<void> {
    return this.call((reply) => ({ type: 'crash', target, reply }));
  }

  /** Graceful: clients completed, providers stopped, system stopped. Safe to call twice. */
  stop(): Promise<void> {
    if (this.stopping === null) {
      this.stopping = this.shutdown(undefined);
    }
    return this.stopping;
  }

  /**
   * Calls `listener` with the id of every session that is gone, however it went (closed, idle,
   * restart limit, shutdown); the gateway keeps its per-client quotas with it. Returns the undo.
   */
  onSessionClosed(listener: (sessionId: string) => void): () => void {
    this.closedListeners.add(listener);
    return () => this.closedListeners.delete(listener);
  }

  private sessionGone(sessionId: string): void {
    for (const listener of this.closedListeners) {
      try {
        listener(sessionId);
      } catch (error) {
        this.logger.warn('a session-closed listener threw', { error: toError(error).message });
      }
    }
  }

  private fatal(error: Error): void {
    this.logger.error('manager crashed: the service stops', { critical: true, error: error.message, stack: error.stack });
    if (this.stopping === null) this.stopping = this.shutdown(error);
  }

  private async shutdown(fatal: Error | undefined): Promise<void> {
    this.state = 'stopping';
    try {
      // After a fatal crash the manager actor is gone: stop its state directly so no provider,
      // timer or client outlives the service.
      if (fatal) await this.core.stop();
      else await this.manager.ask<void>((reply) => ({ type: 'stop', reply }), this.opTimeoutMs, () => new TesseraError('TIMEOUT', 'stop timed out'), () => new Error('manager gone'));
    } catch (error) {
      this.logger.warn('stop was not clean', { error: toError(error).message });
    }
    this.manager.stop(new TesseraError('SHUTTING_DOWN', 'the service has stopped'));
    this.system.stop();
    this.state = 'stopped';
    this.resolveTerminated({ fatal });
  }

  private call<R>(build: (reply: Reply<R>) => ManagerMsg): Promise<R> {
    if (this.state !== 'running') return Promise.reject(new TesseraError('SHUTTING_DOWN', 'the service is shutting down'));
    return this.manager.ask(
      build,
      this.opTimeoutMs,
      () => new TesseraError('TIMEOUT', `the service did not answer within ${this.opTimeoutMs} ms`),
      () => new TesseraError('SHUTTING_DOWN', 'the service has stopped'),
    );
  }
}
