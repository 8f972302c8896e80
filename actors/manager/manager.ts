import { assertNever } from '../../common/assert-never';
import { settleWithin } from '../../common/deadline';
import { TesseraError, toError } from '../../common/errors';
import type { JsonValue, Payload } from '../../common/json';
import type { Logger } from '../../common/logger';
import type { CrashTarget } from '../../common/service-types';
import { parseIdentifier } from '../../router/identifier';
import type { ActorHandle, Reply } from '../nact';
import { WorkerRecord } from '../worker/worker-record';
import { configureSession, explainPattern } from './configure';
import { buildManagerParts, shuttingDown, workersOf, type ManagerConfig, type ManagerParts } from './manager-parts';
import type { ManagerMsg } from './manager-protocol';
import { serviceStats } from './manager-stats';
import { announceProviderEvent } from './provider-events';

/**
 * The single owner of the desired state: which providers exist, which patterns each session
 * has, which streams are wanted. Its actor hands every message to `handle`, which never waits
 * on a provider or the router: slow work continues as a task (per session, in order) and
 * answers through the message's reply, so one stalled provider holds up nothing else.
 */
export class Manager {
  private readonly parts: ManagerParts;
  private readonly providers: ManagerParts['providers'];
  private readonly sessions: ManagerParts['sessions'];
  private readonly router: ManagerParts['router'];
  private readonly publishing: ManagerParts['publishing'];
  private readonly logger: Logger;
  private stopping = false;

  constructor(
    self: ActorHandle<ManagerMsg>,
    private readonly config: ManagerConfig,
    onFatal: (error: Error) => void,
  ) {
    this.logger = config.logger.child({ cmp: 'manager' });
    this.parts = buildManagerParts(self, config, this.logger, onFatal);
    ({ providers: this.providers, sessions: this.sessions, router: this.router, publishing: this.publishing } = this.parts);
  }

  handle(msg: ManagerMsg): void {
    switch (msg.type) {
      case 'add-provider':
        return this.answer(msg.reply, () => this.providers.add(msg.name, msg.source, () => this.stopping));
      case 'remove-provider':
        return this.answer(msg.reply, () => this.removeProvider(msg.name, false));
      case 'add-worker': {
        const source = msg.source;
        return this.answer(msg.reply, () => this.providers.add(msg.name, source, () => this.stopping, (name, env) => new WorkerRecord(name, source, env, this.parts.workerEnv)));
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
        return this.answer(msg.reply, () => session.queue.run(() => configureSession(this.parts.configureEnv, session, msg.patterns, msg.last)));
      }
      case 'close-session':
        return this.answer(msg.reply, () => this.closeSession(msg.sessionId));
      case 'publish':
        return this.answer(msg.reply, async () => this.publish(msg.sessionId, msg.attachment, msg.id, msg.payload));
      case 'request':
        return this.answer(msg.reply, () => this.request(msg.sessionId, msg.attachment, msg.id, msg.body));
      case 'explain':
        return this.answer(msg.reply, () => explainPattern(this.parts.configureEnv, msg.pattern, (pattern) => this.publishing.matching(pattern)));
      case 'stats':
        return this.answer(msg.reply, () => serviceStats(this.parts));
      case 'crash':
        return this.answer(msg.reply, async () => this.crash(msg.target));
      case 'stop':
        return this.answer(msg.reply, () => this.stop());
      case 'provider-crashed':
        return this.providers.get(msg.name)?.crashed(msg.incarnation, msg.error);
      case 'provider-restart-due':
        return this.background(this.providers.get(msg.name)?.restartDue(msg.incarnation));
      case 'provider-event':
        return announceProviderEvent(this.providers, this.sessions, msg);
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
    for (const other of workersOf(this.providers)) this.background(other.inputsGone(record.name));
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

  private crash(target: CrashTarget): void {
    if (!this.config.faultInjection) throw new TesseraError('NOT_SUPPORTED', 'crash() needs the service started with { faultInjection: true }');
    if (target === 'router') return this.router.crash();
    if ('session' in target) return this.sessions.crash(this.sessions.get(target.session));
    this.providers.crash('provider' in target ? target.provider : target.worker);
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
