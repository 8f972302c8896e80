import type { Cancel, Clock } from '../../common/clock';
import type { Notice } from '../../common/envelope';
import { TesseraError, toError } from '../../common/errors';
import type { JsonValue } from '../../common/json';
import type { Logger } from '../../common/logger';
import type { ProviderState, RestartPolicy } from '../../common/service-types';
import type { Provider, ProviderFactory, StreamFailure } from '../../providers/contract';
import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import type { RouterPort } from '../../router/port';
import type { ManagerMsg } from '../manager/manager-protocol';
import type { ActorHandle, ActorParent, Reply } from '../nact';
import type { StreamDirectory } from '../../router/streams';
import type { ProviderCounters } from './provider-context';
import { IncarnationContext } from './provider-context';
import type { HostMsg, PlanOutcome } from './provider-host';
import { spawnProviderHost } from './provider-host';
import { RestartTracker } from '../../common/restart-policy';
import { StreamRefs, type StreamHost } from './stream-refs';

/** What a provider record needs from the manager. */
export interface ProviderEnv {
  readonly parent: ActorParent;
  readonly port: RouterPort;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy: RestartPolicy;
  readonly callTimeoutMs: number;
  /** Incarnation numbers are unique across the service, so a late event never hits a newer record. */
  readonly nextIncarnation: () => number;
  /** Per-stream counters, kept for the service's life so `seq` carries on over restarts. */
  readonly streams: StreamDirectory;
  /** Sends a manager message (events come back through the manager's mailbox). */
  readonly toManager: (msg: ManagerMsg) => void;
  /** Delivers a notice to every session bound to the namespace. */
  readonly notifyBound: (namespace: string, notice: Notice) => void;
}

type Host = ActorHandle<HostMsg> & { fail(error: Error): void };

/**
 * One provider under supervision (ARCHITECTURE.md, "Supervision tree"): its current host actor, its streams, and its
 * restarts with backoff and intensity. Only the manager calls into it.
 */
export class ProviderRecord {
  state: ProviderState = 'starting';
  incarnation = 0;
  readonly streams: StreamRefs;
  readonly counters: ProviderCounters;
  private readonly tracker: RestartTracker;
  protected readonly logger: Logger;
  private host: Host | null = null;
  /** The current incarnation's provider, for its own figures in stats. */
  private instance: Provider | null = null;
  private restartTimer: Cancel | null = null;
  private lastCrashHandled = 0;

  constructor(
    readonly name: string,
    private readonly source: Provider | ProviderFactory,
    protected readonly env: ProviderEnv,
  ) {
    this.counters = { msgs: 0, invalidEmits: 0, directory: env.streams };
    this.logger = env.logger.child({ cmp: 'provider', provider: name });
    this.tracker = new RestartTracker(env.policy);
    this.streams = new StreamRefs(
      this.streamHost(),
      this.logger,
      (id, reason) => env.notifyBound(name, { type: 'notice', kind: 'stream-down', id: id.canonical, reason }),
      (ids) => ids.forEach((id) => env.streams.stopped(id.canonical, name)),
    );
  }

  /** How stream calls reach the provider; a worker wraps them to bind its inputs around them. */
  protected streamHost(): StreamHost {
    return {
      subscribe: (ids) => this.call<StreamFailure[]>((reply) => ({ type: 'subscribe', ids, reply })),
      unsubscribe: (ids) => this.call<void>((reply) => ({ type: 'unsubscribe', ids, reply })),
    };
  }

  /** A new incarnation's host exists (it is about to be started). */
  protected launched(): void {}

  /** The current provider's own `stats()`, or undefined (none, or it threw). */
  details(): object | undefined {
    try {
      return this.instance?.stats?.();
    } catch {
      return undefined;
    }
  }

  /** Hands a message to the current host; false while there is none (restarting, stopped). */
  protected sendToHost(msg: HostMsg): boolean {
    this.host?.send(msg);
    return this.host !== null;
  }

  get restarts(): number {
    return this.tracker.restarts;
  }

  /** First start: on failure nothing is left behind and the caller gets the cause. */
  async start(): Promise<void> {
    try {
      await this.launch();
    } catch (error) {
      await this.dispose();
      throw error;
    }
    // Removed (or the service stopped) meanwhile: `stop` disposes of it; the caller must not
    // be told it runs.
    if (this.state === 'stopping') throw new Error(`provider "${this.name}" was removed while starting`);
    this.state = 'running';
    await this.streams.resume();
    this.logger.info('provider started');
  }

  plan(patterns: readonly Pattern[]): Promise<PlanOutcome[]> {
    return this.call((reply) => ({ type: 'plan', patterns, reply }));
  }

  request(id: Identifier, body: JsonValue): Promise<JsonValue> {
    return this.call((reply) => ({ type: 'request', id, body, reply }));
  }

  /** Fault injection: a real crash of the host actor. */
  crash(): void {
    this.host?.fail(new Error('fault injection: provider crash'));
  }

  crashed(incarnation: number, error: Error): void {
    if (incarnation !== this.incarnation || incarnation === this.lastCrashHandled) return;
    if (this.state === 'stopping' || this.state === 'failed') return;
    this.lastCrashHandled = incarnation;
    this.host = null;
    // Whatever the old instance had not emitted is lost though seq goes on: say so, in order.
    for (const id of this.streams.live()) this.env.port.gap({ type: 'notice', kind: 'gap', id: id.canonical, reason: 'provider-restart' });
    this.streams.suspend();
    const decision = this.tracker.crashed(this.env.clock.now());
    if (decision.giveUp) {
      this.state = 'failed';
      this.streams.abandon(`provider "${this.name}" failed`);
      this.logger.error('provider gave up after too many restarts', { error: error.message });
      this.env.notifyBound(this.name, { type: 'notice', kind: 'provider-down', provider: this.name, reason: 'gave-up', message: error.message });
      return;
    }
    this.state = 'restarting';
    this.logger.warn('provider crashed; restarting', { error: error.message, delayMs: decision.delayMs });
    this.env.notifyBound(this.name, { type: 'notice', kind: 'provider-down', provider: this.name, reason: 'crashed', message: error.message });
    const due = this.incarnation;
    this.restartTimer = this.env.clock.setTimeout(() => this.env.toManager({ type: 'provider-restart-due', name: this.name, incarnation: due }), decision.delayMs);
  }

  async restartDue(incarnation: number): Promise<void> {
    if (incarnation !== this.incarnation || this.state !== 'restarting') return;
    this.restartTimer = null;
    try {
      await this.launch();
    } catch (error) {
      // A failed start is one more crash. The host's own report of it comes later and is ignored
      // as a duplicate; a factory that threw had no host and sends no report at all.
      const host = this.host;
      this.host = null;
      host?.stop(toError(error));
      this.crashed(this.incarnation, toError(error));
      return;
    }
    this.tracker.restarted();
    await this.streams.resume();
    if (this.state !== 'restarting') return;
    this.state = 'running';
    this.logger.info('provider restarted', { restarts: this.tracker.restarts });
    this.env.notifyBound(this.name, { type: 'notice', kind: 'provider-up', provider: this.name });
  }

  /** Stops streams and provider; nothing restarts it afterwards. */
  async stop(): Promise<void> {
    this.state = 'stopping';
    this.streams.abandon(`provider "${this.name}" was removed`);
    await this.dispose();
    this.logger.info('provider stopped');
  }

  private async dispose(): Promise<void> {
    this.restartTimer?.();
    this.restartTimer = null;
    const host = this.host;
    this.host = null;
    if (host === null) return;
    // A host that already crashed (a failed start, say) stopped its provider itself: nothing to report.
    const gone = this.gone();
    try {
      await host.ask<void>((reply) => ({ type: 'stop', reply }), this.env.callTimeoutMs * 2, () => this.timeout('stop'), () => gone);
    } catch (error) {
      if (error !== gone) this.logger.warn('provider stop failed', { error: toError(error).message });
    }
    host.stop(this.gone());
  }

  private async launch(): Promise<void> {
    const incarnation = (this.incarnation = this.env.nextIncarnation());
    const provider = typeof this.source === 'function' ? this.source() : this.source;
    this.instance = provider;
    let host: Host | null = null;
    const ctx = new IncarnationContext(this.name, this.logger, this.env.clock, this.env.port, this.counters, {
      streamDown: (id, reason) => this.env.toManager({ type: 'provider-event', name: this.name, incarnation, event: { kind: 'stream-down', id: id.canonical, reason } }),
      streamUp: (id) => this.env.toManager({ type: 'provider-event', name: this.name, incarnation, event: { kind: 'stream-up', id: id.canonical } }),
      providerDown: (reason) => this.env.toManager({ type: 'provider-event', name: this.name, incarnation, event: { kind: 'provider-down', reason } }),
      providerUp: () => this.env.toManager({ type: 'provider-event', name: this.name, incarnation, event: { kind: 'provider-up' } }),
      fail: (error) => host?.fail(error),
    });
    host = spawnProviderHost(this.env.parent, `p-${this.name}-${incarnation}`, provider, ctx, this.env.callTimeoutMs, (error) =>
      this.env.toManager({ type: 'provider-crashed', name: this.name, incarnation, error }),
    );
    this.host = host;
    this.launched();
    await this.call<void>((reply) => ({ type: 'start', reply }));
  }

  protected call<R>(build: (reply: Reply<R>) => HostMsg): Promise<R> {
    const host = this.host;
    if (host === null) return Promise.reject(this.gone());
    return host.ask<R>(build, this.env.callTimeoutMs * 2, () => this.timeout('call'), () => this.gone());
  }

  private timeout(what: string): Error {
    return new TesseraError('TIMEOUT', `provider "${this.name}": ${what} did not answer in time`);
  }

  private gone(): Error {
    return new Error(`provider "${this.name}" is ${this.state === 'running' ? 'restarting' : this.state}`);
  }
}
