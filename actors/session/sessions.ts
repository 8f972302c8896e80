import { v4 as uuidv4 } from 'uuid';
import { CrashWindow } from '../../common/backoff';
import type { Clock } from '../../common/clock';
import type { Notice, SessionClosedReason } from '../../common/envelope';
import { TesseraError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { AttachOptions, Limits, OverflowPolicy, SessionOptions, SessionStats, SessionTotals } from '../../common/service-types';
import { OVERFLOW_POLICIES } from '../../common/service-types';
import type { Identifier } from '../../router/identifier';
import type { RouterMsg } from '../../router/router-actor';
import type { ClientPort } from './client';
import { ClientHandle } from './client';
import type { ManagerMsg } from '../manager/manager-protocol';
import type { ActorHandle } from '../nact';
import { spawnGroup } from '../nact';
import { ByteBudget } from './byte-budget';
import { Outbox } from './outbox';
import { SessionRecord, type Binding } from './session-record';
import { spawnSessionActor } from './session-actor';

export interface SessionEnv {
  readonly parent: ActorHandle<never>['asParent'];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: Limits;
  readonly defaults: { readonly idleAfterMs: number; readonly outBuffer: number; readonly overflow: OverflowPolicy };
  readonly restart: { readonly maxRestarts: number; readonly withinMs: number };
  readonly toManager: (msg: ManagerMsg) => void;
  readonly toRouter: (msg: RouterMsg) => void;
  /** Gives back a closed session's streams (ref-counts). */
  readonly releaseStreams: (provider: string, ids: readonly Identifier[]) => void;
  readonly clientPort: ClientPort;
  readonly nextIncarnation: () => number;
  /** Told of every session that is gone (closed, idle, restart limit, shutdown). */
  readonly closed?: (sessionId: string) => void;
}

/**
 * Sessions are spread over a fixed set of shard supervisors: nact copies a parent's children
 * for every message it handles, so no busy actor may have thousands of children, and the cost
 * of a control operation must not grow with the number of sessions.
 */
const SHARDS = 64;

export class Sessions {
  readonly byId = new Map<string, SessionRecord>();
  /** Namespace → sessions with a pattern in it, for notices. */
  readonly byNamespace = new Map<string, Set<SessionRecord>>();
  /** What closed sessions delivered and dropped, so service-wide totals never go down. */
  readonly retired = { delivered: 0, dropped: 0 };
  private readonly shards: ActorHandle<never>[] = [];
  private readonly logger: Logger;
  /** Shared by every session's out-buffer. */
  readonly budget: ByteBudget;

  constructor(private readonly env: SessionEnv) {
    this.logger = env.logger.child({ cmp: 'sessions' });
    this.budget = new ByteBudget(env.limits.maxTotalBufferBytes);
    for (let i = 0; i < SHARDS; i++) this.shards.push(spawnGroup(env.parent, `sessions-${i}`));
  }

  get(id: string): SessionRecord {
    const session = this.byId.get(id);
    if (session === undefined) throw new TesseraError('SESSION_NOT_FOUND', `no session "${id}"`);
    return session;
  }

  /** The session, if `attachment` is still its client; CLIENT_NOT_ATTACHED otherwise. */
  requireAttached(id: string, attachment: number): SessionRecord {
    const session = this.get(id);
    if (session.attachment !== attachment) throw new TesseraError('CLIENT_NOT_ATTACHED', `this client is no longer attached to session ${id}`);
    return session;
  }

  create(options: SessionOptions): string {
    if (this.byId.size >= this.env.limits.maxSessions) {
      throw new TesseraError('LIMIT_EXCEEDED', `at most ${this.env.limits.maxSessions} sessions`, { details: { limit: 'maxSessions' } });
    }
    const idleAfterMs = options.idleAfterMs ?? this.env.defaults.idleAfterMs;
    if (!Number.isFinite(idleAfterMs)) throw new TesseraError('BAD_REQUEST', 'idleAfterMs must be a finite number');
    const id = uuidv4();
    const outbox = new Outbox(this.env.defaults.outBuffer, this.env.defaults.overflow, () => undefined, () => undefined, this.env.limits.maxOutBufferBytes, this.budget);
    const session = new SessionRecord(id, idleAfterMs, outbox, new CrashWindow(this.env.restart));
    outbox.onSlowClient = () => this.env.toManager({ type: 'slow-client', sessionId: id, attachment: session.attachment });
    this.byId.set(id, session);
    this.spawn(session);
    this.armIdle(session);
    return id;
  }

  attach(session: SessionRecord, options: AttachOptions): ClientHandle {
    if (session.attachment !== 0) throw new TesseraError('CLIENT_ALREADY_ATTACHED', `session ${session.id} already has a client`);
    const outBuffer = options.outBuffer ?? this.env.defaults.outBuffer;
    const overflow = options.overflow ?? this.env.defaults.overflow;
    if (!Number.isInteger(outBuffer) || outBuffer < 1) throw new TesseraError('BAD_REQUEST', 'outBuffer must be an integer ≥ 1');
    // Too much is a limit, not a malformed request: every limit answers LIMIT_EXCEEDED.
    if (outBuffer > this.env.limits.maxOutBuffer) {
      throw new TesseraError('LIMIT_EXCEEDED', `outBuffer ${outBuffer} is over the limit of ${this.env.limits.maxOutBuffer} (limits.maxOutBuffer)`, { details: { limit: 'maxOutBuffer' } });
    }
    if (!OVERFLOW_POLICIES.includes(overflow)) throw new TesseraError('BAD_REQUEST', `overflow must be one of ${OVERFLOW_POLICIES.join(', ')}`);
    this.disarmIdle(session);
    session.attachment = this.env.nextIncarnation();
    session.outbox.setLimits(outBuffer, overflow);
    session.outbox.attach();
    const resumed = { buffered: session.outbox.size, dropped: session.outbox.dropped - session.droppedAtDetach };
    return new ClientHandle(session, session.attachment, this.env.clientPort, resumed);
  }

  detach(session: SessionRecord, finalNotice?: Notice): void {
    if (session.attachment === 0) throw new TesseraError('CLIENT_NOT_ATTACHED', `session ${session.id} has no client`);
    session.attachment = 0;
    session.droppedAtDetach = session.outbox.dropped;
    session.outbox.detach(finalNotice);
    this.armIdle(session);
  }

  /** Forgets the session at once; its bindings and streams are given back. */
  close(session: SessionRecord, reason: SessionClosedReason): void {
    if (session.closed) return;
    session.closed = true;
    this.byId.delete(session.id);
    this.retired.delivered += session.outbox.delivered;
    this.retired.dropped += session.outbox.dropped;
    this.disarmIdle(session);
    this.env.toRouter({ type: 'unbind-all', target: session.outbox });
    for (const [provider, streams] of session.wanted()) this.env.releaseStreams(provider, [...streams.values()]);
    session.bindings = new Map();
    this.index(session);
    session.attachment = 0;
    session.outbox.detach({ type: 'notice', kind: 'session-closed', reason });
    session.outbox.clear();
    session.actor?.stop(new Error('session closed'));
    session.actor = null;
    this.logger.debug('session closed', { session: session.id, reason });
    this.env.closed?.(session.id);
  }

  /**
   * Replaces a session's bindings: the new patterns are bound before the old ones are unbound, so
   * a pattern kept sees no gap. `last`: the new patterns' flowing streams first give their latest message.
   */
  rebind(session: SessionRecord, next: Map<string, Binding>, last = false): void {
    const old = session.bindings;
    session.bindings = next;
    this.index(session);
    for (const [canonical, binding] of next) if (!old.has(canonical)) this.env.toRouter({ type: 'bind', pattern: binding.pattern, target: session.outbox, last });
    for (const [canonical, binding] of old) if (!next.has(canonical)) this.env.toRouter({ type: 'unbind', pattern: binding.pattern, target: session.outbox });
  }

  /** A namespace went away (its provider was removed): its patterns are unbound, with a notice. */
  dropNamespace(namespace: string): void {
    for (const session of [...(this.byNamespace.get(namespace) ?? [])]) {
      const gone = [...session.bindings].filter(([, b]) => b.pattern.namespace === namespace);
      session.bindings = new Map([...session.bindings].filter(([, b]) => b.pattern.namespace !== namespace));
      for (const [, binding] of gone) this.env.toRouter({ type: 'unbind', pattern: binding.pattern, target: session.outbox });
      this.index(session);
      session.outbox.notice({ type: 'notice', kind: 'unbound', namespace, patterns: gone.map(([canonical]) => canonical) });
    }
  }

  /** Tells the sessions bound to stream `id` (canonical) of `namespace`. */
  /** Whether some session's pattern matches `id` now. */
  watches(id: Identifier): boolean {
    for (const session of this.byNamespace.get(id.namespace) ?? []) for (const binding of session.bindings.values()) if (binding.pattern.matches(id)) return true;
    return false;
  }

  notifyStream(namespace: string, id: string, notice: Notice): void {
    for (const session of this.byNamespace.get(namespace) ?? []) {
      if ([...session.bindings.values()].some((b) => b.streams.some((s) => s.canonical === id))) session.outbox.notice(notice);
    }
  }

  /** A slow client is detached with a notice, if it is still the one attached. */
  cutOff(sessionId: string, attachment: number): void {
    const session = this.byId.get(sessionId);
    if (session === undefined || session.attachment !== attachment || session.attachment === 0) return;
    this.detach(session, { type: 'notice', kind: 'disconnected', reason: 'slow-client', dropped: session.outbox.dropped });
  }

  notifyNamespace(namespace: string, notice: Notice): void {
    for (const session of this.byNamespace.get(namespace) ?? []) session.outbox.notice(notice);
  }

  crashed(sessionId: string, incarnation: number, error: Error): void {
    const session = this.byId.get(sessionId);
    if (session === undefined || session.incarnation !== incarnation) return;
    const overLimit = session.crashes.record(this.env.clock.now());
    session.actor = null;
    if (overLimit) {
      this.logger.error('session crashed too often; closing it', { session: sessionId, error: error.message });
      this.close(session, 'restart-limit');
      return;
    }
    this.logger.warn('session crashed; restarting', { session: sessionId, error: error.message });
    session.restarts++;
    this.spawn(session);
  }

  idleFired(sessionId: string, token: number): void {
    const session = this.byId.get(sessionId);
    if (session === undefined || session.idleToken !== token || session.attachment !== 0) return;
    this.close(session, 'idle');
  }

  crash(session: SessionRecord): void {
    session.actor?.send({ type: 'crash', error: new Error('fault injection: session crash') });
  }

  /** One line per open session (the first `max`), for `stats()`. */
  stats(max = Infinity): SessionStats[] {
    return [...this.byId.values()].slice(0, max).map((s) => ({
      id: s.id,
      patterns: [...s.bindings.keys()].sort(),
      attached: s.attachment !== 0,
      buffered: s.outbox.size,
      outBuffer: s.outbox.limit,
      bufferedBytes: s.outbox.bytes,
      delivered: s.outbox.delivered,
      dropped: s.outbox.dropped,
      restarts: s.restarts,
    }));
  }

  /** Every session summed up (whatever a stats answer lists), deliveries and drops of closed ones included. */
  totals(): SessionTotals {
    let { delivered, dropped } = this.retired;
    let attached = 0;
    let buffered = 0;
    let maxBuffered = 0;
    let maxFill = 0;
    for (const s of this.byId.values()) {
      delivered += s.outbox.delivered;
      dropped += s.outbox.dropped;
      if (s.attachment !== 0) attached++;
      buffered += s.outbox.size;
      maxBuffered = Math.max(maxBuffered, s.outbox.size);
      maxFill = Math.max(maxFill, s.outbox.limit > 0 ? s.outbox.size / s.outbox.limit : 0);
    }
    return { open: this.byId.size, attached, buffered, maxBuffered, maxFill, delivered, dropped };
  }

  /** Keeps the namespace index in step with a session's bindings. */
  private index(session: SessionRecord): void {
    const namespaces = session.namespaces();
    for (const [namespace, members] of this.byNamespace) {
      if (namespaces.has(namespace)) continue;
      if (members.delete(session) && members.size === 0) this.byNamespace.delete(namespace);
    }
    for (const namespace of namespaces) {
      let members = this.byNamespace.get(namespace);
      if (members === undefined) this.byNamespace.set(namespace, (members = new Set()));
      members.add(session);
    }
  }

  private spawn(session: SessionRecord): void {
    const incarnation = (session.incarnation = this.env.nextIncarnation());
    const shard = this.shards[shardOf(session.id)];
    session.actor = spawnSessionActor(shard.asParent, `s-${session.id}-${incarnation}`, session.outbox, (error) =>
      this.env.toManager({ type: 'session-crashed', sessionId: session.id, incarnation, error }),
    );
  }

  private armIdle(session: SessionRecord): void {
    this.disarmIdle(session);
    if (session.idleAfterMs <= 0) return;
    const token = ++session.idleToken;
    session.idleTimer = this.env.clock.setTimeout(() => this.env.toManager({ type: 'session-idle', sessionId: session.id, timer: token }), session.idleAfterMs);
  }

  private disarmIdle(session: SessionRecord): void {
    session.idleToken++;
    session.idleTimer?.();
    session.idleTimer = null;
  }
}

function shardOf(id: string): number {
  return parseInt(id.slice(0, 8), 16) % SHARDS;
}
