import { createHash } from 'node:crypto';
import { assertNever } from '../common/assert-never';
import type { Subscription } from 'rxjs';
import type WebSocket from 'ws';
import type { Envelope } from '../common/envelope';
import { TesseraError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { Client, ServiceStats } from '../common/service-types';
import type { GatewayCounters } from './counters';
import { encodeAnswer, encodeError, type GatewayErrorCode, type ServerFrame } from './encode';
import { answerError } from './errors';
import { parseClientFrame, type ClientFrame, type Ref } from './frames';
import { Outbound } from './outbound';
import { TokenBucket, type Now } from './rate';
import type { SessionQuota } from './quota';
import type { Releases } from './releases';
import type { GatewayLimits, GatewayService } from './types';

export interface ConnectionContext {
  readonly service: GatewayService;
  readonly releases: Releases;
  readonly limits: GatewayLimits;
  readonly logger: Logger;
  readonly now: Now;
  readonly quota: SessionQuota;
  /** List other sessions' ids in `stats`. */
  readonly exposeSessionIds: boolean;
  readonly counters: GatewayCounters;
}

/** This socket's hold on a session; replaced, never mutated, except to note a cut-off. */
interface Attachment {
  readonly sessionId: string;
  readonly client: Client;
  subscription?: Subscription;
  /** The session cut this client off (`disconnect` overflow): close the socket once it ends. */
  cutOff: boolean;
}

/** Ops that change what this socket is attached to run strictly one after another. */
const ORDERED = new Set<ClientFrame['op']>(['session.create', 'session.attach', 'session.configure', 'session.detach', 'session.close']);

/**
 * One client socket: parses its frames, runs them against the service, and forwards the
 * attached session's envelopes. Other ops (publish, request, explain, stats) wait for earlier
 * ordered ops but not for each other, so a slow request does not hold up the socket.
 */
export class Connection {
  private attachment: Attachment | undefined;
  private tail: Promise<void> = Promise.resolve();
  private open = true;
  private alive = true;
  private readonly outbound: Outbound;
  private readonly logger: Logger;
  private readonly ops: TokenBucket;
  private readonly publishes: TokenBucket;

  constructor(
    private readonly socket: WebSocket,
    private readonly ctx: ConnectionContext,
    readonly id: number,
  ) {
    this.logger = ctx.logger.child({ conn: id });
    const { limits } = ctx;
    const onEncodeError = (error: unknown, msg: { id: string; seq: number }): void => {
      this.logger.error('message could not be encoded; skipped', { id: msg.id, seq: msg.seq, error: String(error) });
    };
    // The socket is its own inbound flow target: a client that floods without reading stops being read.
    this.outbound = new Outbound(socket, { highWaterBytes: limits.highWaterBytes, lowWaterBytes: limits.lowWaterBytes, maxBatch: 1000, onEncodeError, counters: ctx.counters }, socket);
    this.ops = new TokenBucket(limits.maxOpsPerSecond, ctx.now);
    this.publishes = new TokenBucket(limits.maxPublishesPerSecond, ctx.now);
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    socket.on('close', (code) => this.onClose(code));
    socket.on('pong', () => (this.alive = true));
    socket.on('error', (error) => this.logger.debug('socket error', { error: error.message }));
  }

  /** The frame-size limit was hit: say so before ws closes the socket with 1009. */
  oversized(): void {
    this.outbound.pushText(encodeError('LIMIT_EXCEEDED', `frame larger than ${this.ctx.limits.maxFrameBytes} bytes (gateway.maxFrameBytes); closing`));
    this.outbound.flush();
  }

  /** Sends what is queued and closes (gateway shutdown: 1001). */
  close(code: number, reason: string): void {
    this.outbound.flush();
    // Reading may be paused for congestion; the peer's close frame still has to be read.
    this.socket.resume();
    this.socket.close(code, reason);
  }

  /** Called every ping interval: cut off a socket that did not answer the last ping. */
  heartbeat(): void {
    if (!this.alive) {
      this.logger.info('no pong; terminating socket');
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    this.ctx.counters.framesIn++;
    if (isBinary) return this.sendError('BAD_REQUEST', 'bad frame: binary frames are not supported; send JSON text');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientFrame(text);
    if (!parsed.ok) return this.sendError('BAD_REQUEST', parsed.message, parsed.ref);
    // Bad frames are not charged: the limits protect the service, which they never reach.
    if (!this.admit(parsed.frame.op)) return this.refuseRate(parsed.frame);
    const run = (): Promise<void> => this.handle(parsed.frame).catch((error: unknown) => this.failed(error, parsed.frame.ref));
    if (ORDERED.has(parsed.frame.op)) this.tail = this.tail.then(run);
    else void this.tail.then(run);
  }

  private admit(op: ClientFrame['op']): boolean {
    return (op === 'publish' ? this.publishes : this.ops).take();
  }

  private refuseRate(frame: ClientFrame): void {
    this.ctx.counters.rateLimited++;
    const limit = frame.op === 'publish' ? 'maxPublishesPerSecond' : 'maxOpsPerSecond';
    const what = frame.op === 'publish' ? 'publishes' : 'operations';
    this.sendError('LIMIT_EXCEEDED', `too many ${what} on this connection (gateway.${limit} is ${this.ctx.limits[limit]}); "${frame.op}" was not run`, frame.ref);
  }

  private async handle(frame: ClientFrame): Promise<void> {
    const { service } = this.ctx;
    switch (frame.op) {
      case 'session.create': {
        this.ctx.quota.admit(this.id, frame.idleAfterMs);
        const sessionId = await service.newSession(frame.idleAfterMs === undefined ? {} : { idleAfterMs: frame.idleAfterMs });
        this.ctx.quota.created(this.id, sessionId, frame.idleAfterMs);
        return this.answer({ op: 'session.created', sessionId }, frame.ref);
      }
      case 'session.attach':
        return this.attach(frame);
      case 'session.configure': {
        const patterns = await service.configureSession(this.attached().sessionId, frame.patterns, { last: frame.last === true });
        return this.answer({ op: 'configured', patterns }, frame.ref);
      }
      case 'session.detach': {
        const a = this.attached();
        await service.detachClient(a.sessionId);
        this.endAttachment(a);
        return this.answer({ op: 'detached' }, frame.ref);
      }
      case 'session.close': {
        const a = this.attached();
        await service.closeSession(a.sessionId);
        this.endAttachment(a);
        return this.answer({ op: 'closed' }, frame.ref);
      }
      case 'publish':
        return this.attached().client.publish(frame.id, frame.payload);
      case 'request':
        return this.request(frame.id, frame.body, frame.ref);
      case 'explain':
        return this.answer({ op: 'explained', ...(await service.explain(frame.pattern)) }, frame.ref);
      case 'stats':
        return this.answer({ op: 'stats', ...this.redacted(await service.stats()) }, frame.ref);
      default:
        return assertNever(frame);
    }
  }

  /**
   * A session id is what `session.attach` needs, so other clients' ids are not handed out: each
   * is replaced by a label that tells sessions apart in stats but cannot attach.
   */
  private redacted(stats: ServiceStats): ServiceStats {
    if (this.ctx.exposeSessionIds) return stats;
    const own = this.attachment?.sessionId;
    return { ...stats, sessions: stats.sessions.map((s) => (s.id === own ? s : { ...s, id: sessionLabel(s.id) })) };
  }

  private async attach(frame: Extract<ClientFrame, { op: 'session.attach' }>): Promise<void> {
    if (this.attachment) {
      throw new TesseraError('CLIENT_ALREADY_ATTACHED', `this socket is already attached to session ${this.attachment.sessionId}; detach first`, {
        details: { sessionId: this.attachment.sessionId },
      });
    }
    await this.ctx.releases.settled(frame.sessionId);
    const options = { ...(frame.outBuffer === undefined ? {} : { outBuffer: frame.outBuffer }), ...(frame.overflow === undefined ? {} : { overflow: frame.overflow }) };
    const client = await this.ctx.service.attachClient(frame.sessionId, options);
    if (!this.open) {
      // The socket went away while the attach was in flight: give the session straight back.
      this.ctx.releases.track(client.sessionId, this.ctx.service.detachClient(client.sessionId));
      return;
    }
    const a: Attachment = { sessionId: client.sessionId, client, cutOff: false };
    this.attachment = a;
    this.outbound.setFlowTarget(client);
    this.answer({ op: 'attached', sessionId: a.sessionId, resumed: client.resumed }, frame.ref);
    this.logger.debug('attached', { sessionId: a.sessionId });
    const subscription = client.envelopes.subscribe({
      next: (envelope) => this.onEnvelope(a, envelope),
      error: (error: unknown) => {
        this.logger.warn('session stream failed', { sessionId: a.sessionId, error: String(error) });
        this.endAttachment(a);
      },
      complete: () => this.endAttachment(a),
    });
    if (this.attachment === a) a.subscription = subscription;
  }

  private async request(id: string, body: Parameters<Client['request']>[1], ref: Ref | undefined): Promise<void> {
    const client = this.attached().client;
    try {
      this.answer({ op: 'reply', ok: true, body: await client.request(id, body) }, ref);
    } catch (error) {
      const { code, message } = answerError(error, this.logger);
      this.answer({ op: 'reply', ok: false, code, message }, ref);
    }
  }

  private onEnvelope(a: Attachment, envelope: Envelope): void {
    if (this.attachment !== a) return;
    if (envelope.type === 'notice' && envelope.kind === 'disconnected') a.cutOff = true;
    this.outbound.pushEnvelope(envelope);
  }

  /** The session let go of this socket (detach, close, idle, `disconnect` overflow) or vice versa. */
  private endAttachment(a: Attachment): void {
    if (this.attachment !== a) return;
    this.attachment = undefined;
    this.outbound.setFlowTarget(undefined);
    a.subscription?.unsubscribe();
    if (a.cutOff && this.open) this.close(1008, 'slow client');
  }

  private onClose(code: number): void {
    this.open = false;
    const a = this.attachment;
    this.logger.debug('socket closed', { code, sessionId: a?.sessionId });
    if (!a) return;
    this.attachment = undefined;
    // Stop delivery first so the session keeps buffering for a client that comes back.
    a.client.pause();
    a.subscription?.unsubscribe();
    this.ctx.releases.track(a.sessionId, this.ctx.service.detachClient(a.sessionId));
  }

  private attached(): Attachment {
    if (this.attachment) return this.attachment;
    throw new TesseraError('CLIENT_NOT_ATTACHED', 'this socket is not attached to a session; send session.attach first');
  }

  private answer(frame: ServerFrame, ref: Ref | undefined): void {
    this.outbound.pushText(encodeAnswer(frame, ref));
  }

  private sendError(code: GatewayErrorCode, message: string, ref?: Ref): void {
    this.outbound.pushText(encodeError(code, message, ref));
  }

  private failed(error: unknown, ref: Ref | undefined): void {
    const { code, message } = answerError(error, this.logger);
    this.outbound.pushText(encodeError(code, message, ref));
  }
}

/** `~` and 12 hex digits of the id's SHA-256: stable, distinct, and no use to `session.attach`. */
function sessionLabel(id: string): string {
  return `~${createHash('sha256').update(id).digest('hex').slice(0, 12)}`;
}
