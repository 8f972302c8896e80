import { connect, Events, type Msg, type NatsConnection, type Subscription } from 'nats';
import { TesseraError, toError } from '../common/errors';
import type { Logger } from '../common/logger';
import { parseReply, type ControlReply, type ControlRequest } from './protocol';
import { encodeJson } from './protocol';

export interface LinkOptions {
  readonly servers: readonly string[];
  /** Shown by the server as the connection's name. */
  readonly name: string;
  /** Pause between reconnect attempts; the link retries forever. */
  readonly reconnectTimeWaitMs: number;
  readonly logger: Logger;
}

/** Told when the connection to NATS goes down or comes back. */
export type LinkListener = (connected: boolean) => void;

/**
 * A node's one connection to NATS, shared by its exporter and importers. It reconnects on its
 * own (and the client resubscribes); users follow `connected` and the listener to pause work
 * and to re-assert their state when it returns.
 */
export class NatsLink {
  private up = true;
  private readonly listeners = new Set<LinkListener>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {
    void this.follow();
  }

  static async connect(options: LinkOptions): Promise<NatsLink> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: [...options.servers],
        name: options.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: options.reconnectTimeWaitMs,
        reconnectJitter: Math.min(100, options.reconnectTimeWaitMs),
        pingInterval: 10_000,
      });
    } catch (error) {
      throw new Error(`cannot connect to NATS at ${options.servers.join(', ')}: ${toError(error).message}`, { cause: error });
    }
    return new NatsLink(nc, options.logger.child({ cmp: 'nats-link' }));
  }

  get connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  onChange(listener: LinkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A subscription whose callback errors are logged, never thrown into the NATS client. */
  subscribe(subject: string, handle: (msg: Msg) => void): Subscription {
    return this.nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error !== null) return this.logger.warn('subscription error', { subject, error: error.message });
        try {
          handle(msg);
        } catch (thrown) {
          this.logger.warn('message handler failed', { subject, error: toError(thrown).message });
        }
      },
    });
  }

  /** A control request; rejects with TIMEOUT, or with the exporter's own error and code. */
  async request<R extends ControlReply & { ok: true }>(subject: string, body: ControlRequest, timeoutMs: number): Promise<R> {
    if (!this.connected) throw new TesseraError('TIMEOUT', 'not connected to NATS');
    let reply: Msg;
    try {
      reply = await this.nc.request(subject, encodeJson(body), { timeout: timeoutMs });
    } catch (error) {
      throw new TesseraError('TIMEOUT', `no answer on ${subject}: ${toError(error).message}`, { cause: error });
    }
    return parseReply<R>(reply.data);
  }

  /** Resolves once the server has processed everything sent so far (subscriptions included). */
  flush(): Promise<void> {
    return this.nc.flush();
  }

  /** Sends what is buffered, then closes. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.nc
      .drain()
      .catch(() => this.nc.close())
      .catch(() => undefined);
    return this.closing;
  }

  private async follow(): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        if (status.type === Events.Disconnect) this.set(false);
        else if (status.type === Events.Reconnect) this.set(true);
      }
    } catch (error) {
      this.logger.warn('status stream failed', { error: toError(error).message });
    }
    this.set(false);
  }

  private set(connected: boolean): void {
    if (this.up === connected) return;
    this.up = connected;
    if (connected) this.logger.info('reconnected to NATS', { server: this.nc.getServer() });
    else this.logger.warn('lost NATS', { server: this.nc.getServer() });
    for (const listener of [...this.listeners]) {
      try {
        listener(connected);
      } catch (error) {
        this.logger.warn('link listener failed', { error: toError(error).message });
      }
    }
  }
}
