import type { JsonValue } from '../common/json';
import type { ExplainResult, ServiceStats } from '../common/service-types';
import { Backoff } from '../common/backoff';
import { parseIdentifier } from '../router/identifier';
import { parsePattern } from '../router/pattern';
import { Channel } from './channel';
import { ClientError, errorCode } from './errors';
import { Emitter } from './events';
import { Gate } from './gate';
import { GapDetector, toMessage } from './messages';
import type { ClientEvents, ConnectOptions } from './options';
import type { MsgFrame, NoticeFrame, Resumed, ServerFrame } from './protocol';
import { Subscription, type SubscriptionOptions } from './subscription';
import { SubscriptionSet } from './subscription-set';
import type { TransportFactory } from './transport';

type State = 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

/**
 * A Tessera gateway client: one session, kept across reconnects. While the session lives a
 * reconnect re-attaches to it (nothing lost that its buffer held); once it is gone a new one is
 * made with the same patterns, and `gap` events tell what the client missed.
 */
export class TesseraClient {
  private channel: Channel | undefined;
  private session: string | undefined;
  private state: State = 'connecting';
  private readonly gate = new Gate();
  private readonly events = new Emitter<ClientEvents>();
  private readonly subs = new SubscriptionSet();
  private readonly gaps = new GapDetector();
  private configuring: Promise<unknown> = Promise.resolve();
  private wake: (() => void) | undefined;

  private constructor(
    readonly url: string,
    private readonly options: ConnectOptions & { readonly transport: TransportFactory },
  ) {
    this.session = options.sessionId;
  }

  /** Opens a connection and creates (or attaches to `options.sessionId`) a session. */
  static async connect(url: string, options: ConnectOptions & { readonly transport: TransportFactory }): Promise<TesseraClient> {
    const client = new TesseraClient(url, options);
    try {
      await client.establish(options.sessionId === undefined);
    } catch (error) {
      client.state = 'closed';
      throw error;
    }
    client.state = 'open';
    return client;
  }

  get sessionId(): string {
    return this.session ?? '';
  }

  /** True while connected and attached. */
  get connected(): boolean {
    return this.state === 'open';
  }

  /** The session's patterns, canonical. */
  get patterns(): string[] {
    return this.subs.patterns;
  }

  on<E extends keyof ClientEvents>(event: E, fn: (value: ClientEvents[E]) => void): () => void {
    return this.events.on(event, fn);
  }

  off<E extends keyof ClientEvents>(event: E, fn: (value: ClientEvents[E]) => void): void {
    this.events.off(event, fn);
  }

  /**
   * Adds `patterns` to the session and returns their messages. `last`: each flowing stream they
   * match first sends its latest message (marked `cached`).
   */
  async subscribe(patterns: readonly string[], options: SubscriptionOptions & { readonly last?: boolean } = {}): Promise<Subscription> {
    this.usable();
    const matchers = patterns.map((p) => parsePattern(p));
    const canonical = [...new Set(matchers.map((p) => p.toString()))];
    const sub = new Subscription(canonical, matchers, (s) => this.release(s), options, (m) => this.events.emit('gap', { id: m.id, kind: 'overflow', missed: 1 }));
    this.subs.add(sub);
    try {
      await this.applyPatterns(options.last === true);
    } catch (error) {
      sub.end();
      this.subs.remove(sub);
      throw error;
    }
    return sub;
  }

  /** Publishes into a publish namespace. Resolves once sent: a refusal arrives as an `error` event with this call's ref. */
  async publish(id: string, payload: JsonValue): Promise<void> {
    parseIdentifier(id);
    (await this.ready()).send({ op: 'publish', id, payload });
  }

  /** Asks the stream's provider; resolves with its reply body. */
  async request(id: string, body: JsonValue = null): Promise<JsonValue> {
    const reply = await (await this.ready()).ask<'request'>({ op: 'request', id, body }, this.options.askTimeoutMs);
    if (!reply.ok) throw new ClientError(reply.code, reply.message);
    return reply.body;
  }

  async explain(pattern: string): Promise<ExplainResult> {
    const { op: _op, ...result } = await (await this.ready()).ask<'explain'>({ op: 'explain', pattern }, this.options.askTimeoutMs);
    return result;
  }

  async stats(): Promise<ServiceStats> {
    const { op: _op, ...result } = await (await this.ready()).ask<'stats'>({ op: 'stats' }, this.options.askTimeoutMs);
    return result;
  }

  /** Detaches, leaving the session to its idle timeout (`connect(url, { sessionId })` comes back to it). */
  async detach(): Promise<string> {
    await this.finish(async (channel) => void (await channel.ask<'session.detach'>({ op: 'session.detach' })));
    return this.sessionId;
  }

  /** Closes the session and the connection. Safe to call twice. */
  async close(): Promise<void> {
    await this.finish(async (channel) => void (await channel.ask<'session.close'>({ op: 'session.close' })));
  }

  private async finish(last: (channel: Channel) => Promise<void>): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed' || this.state === 'connecting') return;
    const channel = this.state === 'open' ? this.channel : undefined;
    this.state = 'closing';
    this.wake?.();
    this.gate.fail(new ClientError('CLOSED', 'the client was closed'));
    try {
      if (channel?.isOpen) await last(channel);
    } finally {
      await this.channel?.close();
      this.state = 'closed';
      this.subs.endAll();
      this.events.emit('close', undefined);
    }
  }

  /** Opens a channel and attaches: the same session when it lives, else (if allowed) a new one with the patterns. */
  private async establish(mayCreate: boolean): Promise<{ resumed: boolean; kept?: Resumed }> {
    const channel: Channel = await Channel.open(this.url, {
      transport: this.options.transport,
      ...(this.options.token === undefined ? {} : { token: this.options.token }),
      ...(this.options.askTimeoutMs === undefined ? {} : { askTimeoutMs: this.options.askTimeoutMs }),
      ...(this.options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: this.options.connectTimeoutMs }),
      onFrame: (frame) => this.onFrame(channel, frame),
    });
    // Frames can follow the attach answer at once: this channel is the current one from now on.
    this.channel = channel;
    void channel.closed.then((info) => this.lost(channel, info));
    const attach = { ...(this.options.outBuffer === undefined ? {} : { outBuffer: this.options.outBuffer }), ...(this.options.overflow === undefined ? {} : { overflow: this.options.overflow }) };
    try {
      if (this.session !== undefined) {
        try {
          const attached = await channel.ask<'session.attach'>({ op: 'session.attach', sessionId: this.session, ...attach });
          if (!this.subs.empty) await channel.ask<'session.configure'>({ op: 'session.configure', patterns: this.patterns });
          return attached.resumed === undefined ? { resumed: true } : { resumed: true, kept: attached.resumed };
        } catch (error) {
          if (errorCode(error) !== 'SESSION_NOT_FOUND' || !mayCreate) throw error;
        }
      }
      const created = await channel.ask<'session.create'>({ op: 'session.create', ...(this.options.idleAfterMs === undefined ? {} : { idleAfterMs: this.options.idleAfterMs }) });
      this.session = created.sessionId;
      await channel.ask<'session.attach'>({ op: 'session.attach', sessionId: created.sessionId, ...attach });
      if (!this.subs.empty) await channel.ask<'session.configure'>({ op: 'session.configure', patterns: this.patterns });
      return { resumed: false };
    } catch (error) {
      await channel.close();
      throw error;
    }
  }

  /** A channel closed: if it was the live one and nobody asked for it, reconnect. */
  private lost(channel: Channel, info: { code: number; reason: string }): void {
    if (channel !== this.channel || this.state !== 'open') return;
    this.events.emit('disconnect', info);
    if (this.options.reconnect === false) {
      void this.finish(async () => undefined);
      return;
    }
    this.state = 'reconnecting';
    this.gate.shut();
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const settings = this.options.reconnect === false ? {} : (this.options.reconnect ?? {});
    const backoff = new Backoff({ initialMs: settings.initialMs ?? 100, maxMs: settings.maxMs ?? 5_000, jitter: settings.jitter ?? 0.2, random: Math.random });
    while (this.state === 'reconnecting') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff.next());
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (this.state !== 'reconnecting') return;
      let outcome: { resumed: boolean; kept?: Resumed };
      try {
        outcome = await this.establish(true);
      } catch {
        continue;
      }
      if (this.state !== 'reconnecting') {
        await this.channel?.close();
        return;
      }
      this.state = 'open';
      this.gate.open();
      this.events.emit('reconnect', { resumed: outcome.resumed, sessionId: this.sessionId, ...(outcome.kept === undefined ? {} : { kept: outcome.kept }) });
      return;
    }
  }

  private usable(): void {
    if (this.state === 'closing' || this.state === 'closed') throw new ClientError('CLOSED', 'the client was closed');
  }

  /** The live channel, once connected. */
  private async ready(): Promise<Channel> {
    this.usable();
    await this.gate.promise;
    return this.channel!;
  }

  /** Sends the session's pattern set; configures run one after another, in call order. */
  private applyPatterns(last: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      const channel = await this.ready();
      try {
        await channel.ask<'session.configure'>({ op: 'session.configure', patterns: this.patterns, ...(last ? { last: true } : {}) }, this.options.askTimeoutMs);
      } catch (error) {
        // The reconnect sends the whole set again.
        if (errorCode(error) === 'CONNECTION_LOST') return void (await this.ready());
        throw error;
      }
    };
    const done = this.configuring.then(run, run);
    this.configuring = done.catch(() => undefined);
    return done;
  }

  private release(sub: Subscription): Promise<void> {
    if (!this.subs.remove(sub)) return Promise.resolve();
    this.gaps.retain((id) => this.subs.route(id).length > 0);
    if (this.state !== 'open' && this.state !== 'reconnecting') return Promise.resolve();
    return this.applyPatterns(false);
  }

  private onFrame(channel: Channel, frame: ServerFrame): void {
    if (channel !== this.channel) return;
    switch (frame.op) {
      case 'msg':
        return this.onMessage(frame);
      case 'batch':
        for (const item of frame.items) this.onMessage(item);
        return;
      case 'notice':
        return this.onNotice(channel, frame);
      case 'error':
        return this.events.emit('error', new ClientError(frame.code, frame.message, { ref: frame.ref }));
      default:
        return; // an answer nobody waits for any more (its ask timed out)
    }
  }

  private onMessage(frame: MsgFrame): void {
    const gap = this.gaps.check(frame);
    if (gap !== undefined) this.events.emit('gap', gap);
    const message = toMessage(frame);
    this.events.emit('message', message);
    for (const sub of this.subs.route(message.id)) sub.deliver(message);
  }

  private onNotice(channel: Channel, notice: NoticeFrame): void {
    this.events.emit('notice', notice);
    if (notice.kind === 'gap') this.events.emit('gap', { id: notice.id, kind: 'notice', reason: notice.reason });
    if (notice.kind === 'unbound') {
      // Their namespace is gone: asking for them again would be refused.
      this.subs.forget(notice.patterns);
    }
    // The session is gone while the socket lives: start over, which makes a new one.
    if (notice.kind === 'session-closed' && this.state === 'open') void channel.close(1000, 'session closed');
  }
}
