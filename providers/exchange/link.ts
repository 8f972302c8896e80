import WebSocket from 'ws';
import { Pacer } from './pacer';

import type { RequestId } from './connection-types';

export type ControlOp = 'subscribe' | 'unsubscribe';

/** What a venue's keep-alive may use of the socket: a websocket ping, or a text frame. */
export interface PingSocket {
  ping(): void;
  send(text: string): void;
}

/** What a socket tells its owner. Calls arrive from socket callbacks, already guarded. */
export interface LinkEvents {
  opened(link: Link): void;
  closed(link: Link, reason: string): void;
  text(link: Link, text: string): void;
}

export interface LinkDeps {
  now(): number;
  setTimeout(callback: () => void, ms: number): () => void;
  /** Wraps a socket callback so a throw becomes a provider failure, never an uncaught exception. */
  guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  encode(op: ControlOp, streams: readonly string[], id: number): string;
  /** Sends one keep-alive on the socket. */
  ping(socket: PingSocket): void;
  /** Ping every interval even while frames arrive (else only a quiet socket is pinged). */
  readonly pingsWhenBusy: boolean;
  /** Called for every control message put on the wire. */
  sent(): void;
}

export interface LinkLimits {
  readonly messagesPerSecond: number;
  readonly streamsPerRequest: number;
  readonly ackTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly staleTimeoutMs: number;
  /** A venue's budget of subscribe/unsubscribe requests per connection per rolling hour (pings aside). */
  readonly requestsPerHour?: number;
}

type Outgoing = { readonly kind: 'request'; readonly op: ControlOp; readonly streams: string[] } | { readonly kind: 'ping' };

/**
 * One websocket and what is known about it: which streams the exchange confirmed on it, which
 * requests are queued or awaiting a reply. Control messages leave through a pacer. A request with
 * no reply in time terminates the socket: its subscriptions are then unknown, and a fresh socket
 * resubscribing the wanted set is the only way back to a known state.
 */
export class Link {
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  readonly createdAt: number;
  lastHeardAt: number;
  lastPingAt: number;
  readonly confirmed = new Set<string>();
  /** Streams with a request queued or awaiting its reply, and which request. */
  readonly inflight = new Map<string, ControlOp>();
  private readonly queue: Outgoing[] = [];
  /** Requests awaiting their reply, by the id's text (see RequestId). */
  private readonly awaiting = new Map<string, { op: ControlOp; streams: string[]; cancel: () => void }>();
  private readonly pacer: Pacer;
  private readonly hourly: Pacer | undefined;
  private readonly ws: WebSocket;
  private nextId = 1;
  private cancelFlush: (() => void) | undefined;
  private closeReason: string | undefined;

  constructor(
    readonly serial: number,
    readonly url: string,
    private readonly deps: LinkDeps,
    private readonly events: LinkEvents,
    private readonly limits: LinkLimits,
  ) {
    this.createdAt = this.lastHeardAt = this.lastPingAt = deps.now();
    this.pacer = new Pacer(deps.now, limits.messagesPerSecond);
    this.hourly = limits.requestsPerHour === undefined ? undefined : new Pacer(deps.now, limits.requestsPerHour, 3_600_000);
    // autoPong answers the exchange's pings; it is ws's default, made explicit because it is required.
    this.ws = new WebSocket(url, { autoPong: true, perMessageDeflate: false });
    const heard = deps.guard(() => (this.lastHeardAt = deps.now()));
    this.ws.on('open', deps.guard(() => this.onOpen()));
    this.ws.on('message', deps.guard((data: WebSocket.RawData) => this.onMessage(data)));
    this.ws.on('ping', heard);
    this.ws.on('pong', heard);
    this.ws.on('error', deps.guard((error: Error) => (this.closeReason ??= error.message)));
    this.ws.on('close', deps.guard((code: number) => this.onClose(code)));
  }

  /** Queues a SUBSCRIBE or UNSUBSCRIBE, split to `streamsPerRequest`. */
  private request(op: ControlOp, streams: readonly string[]): void {
    for (const s of streams) this.inflight.set(s, op);
    const last = this.queue[this.queue.length - 1];
    let rest = [...streams];
    if (last?.kind === 'request' && last.op === op) {
      const room = this.limits.streamsPerRequest - last.streams.length;
      last.streams.push(...rest.slice(0, room));
      rest = rest.slice(room);
    }
    for (let i = 0; i < rest.length; i += this.limits.streamsPerRequest) {
      this.queue.push({ kind: 'request', op, streams: rest.slice(i, i + this.limits.streamsPerRequest) });
    }
    this.flush();
  }

  /**
   * Requests what this socket needs to carry exactly `wanted`, leaving alone streams with a request
   * in flight (their reply triggers another pass) and those `skip` names.
   */
  reconcile(wanted: ReadonlySet<string>, skip: (stream: string) => boolean): void {
    if (this.state !== 'open') return;
    const add: string[] = [];
    const remove: string[] = [];
    for (const s of wanted) if (!this.confirmed.has(s) && !this.inflight.has(s) && !skip(s)) add.push(s);
    for (const s of this.confirmed) if (!wanted.has(s) && !this.inflight.has(s)) remove.push(s);
    // Unsubscribe first: it frees room at the exchange for what follows.
    if (remove.length > 0) this.request('unsubscribe', remove);
    if (add.length > 0) this.request('subscribe', add);
  }

  /**
   * Periodic health check: gives up on a socket that does not open in time or has gone silent
   * (returns 'stale' then), and pings one that is merely quiet so a healthy one is heard from.
   */
  check(now: number): 'stale' | undefined {
    const { connectTimeoutMs, staleTimeoutMs, pingIntervalMs } = this.limits;
    if (this.state === 'connecting') {
      if (now - this.createdAt >= connectTimeoutMs) this.terminate(`not connected within ${connectTimeoutMs} ms`);
    } else if (this.state === 'open') {
      if (now - this.lastHeardAt >= staleTimeoutMs) {
        this.terminate(`silent for ${now - this.lastHeardAt} ms`);
        return 'stale';
      }
      const since = this.deps.pingsWhenBusy ? this.lastPingAt : Math.max(this.lastHeardAt, this.lastPingAt);
      if (now - since >= pingIntervalMs) this.ping();
    }
    return undefined;
  }

  /** Whether this socket carries every wanted stream `other` carries (a replacement is ready). */
  covers(other: Link, wanted: ReadonlySet<string>): boolean {
    if (this.state !== 'open' || this.inflight.size > 0) return false;
    for (const s of other.confirmed) if (wanted.has(s) && !this.confirmed.has(s)) return false;
    return true;
  }

  private ping(): void {
    if (this.queue.some((o) => o.kind === 'ping')) return;
    this.lastPingAt = this.deps.now();
    this.queue.push({ kind: 'ping' });
    // A flush may be waiting on the hourly budget; the ping must not wait with it.
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.flush();
  }

  /**
   * Applies a reply to request `id` (to `only` of its streams, for venues that answer per stream);
   * returns what it settled, or undefined for an unknown id.
   */
  settle(id: RequestId, error: string | undefined, only?: readonly string[]): { op: ControlOp; streams: readonly string[] } | undefined {
    const key = String(id);
    const entry = this.awaiting.get(key);
    if (!entry) return undefined;
    const settled = only ? entry.streams.filter((s) => only.includes(s)) : entry.streams;
    if (only && settled.length === 0) return undefined;
    entry.streams = only ? entry.streams.filter((s) => !only.includes(s)) : [];
    if (entry.streams.length === 0) {
      this.awaiting.delete(key);
      entry.cancel();
    }
    for (const s of settled) {
      if (this.inflight.get(s) === entry.op) this.inflight.delete(s);
      if (error === undefined) {
        if (entry.op === 'subscribe') this.confirmed.add(s);
        else this.confirmed.delete(s);
      }
    }
    return { op: entry.op, streams: settled };
  }

  /** Closes politely; the owner has already let go of this link. */
  close(): void {
    if (this.state === 'closed') return;
    this.closeReason ??= 'closed by us';
    this.shutDown();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    else this.ws.terminate();
  }

  /** Drops the socket at once; the owner hears `closed` with `reason`. */
  terminate(reason: string): void {
    this.closeReason = reason;
    this.ws.terminate();
  }

  private onOpen(): void {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.lastHeardAt = this.lastPingAt = this.deps.now();
    this.events.opened(this);
    this.flush();
  }

  private onMessage(data: WebSocket.RawData): void {
    this.lastHeardAt = this.deps.now();
    if (this.state !== 'open') return;
    this.events.text(this, toText(data));
  }

  private onClose(code: number): void {
    const wasClosed = this.state === 'closed';
    this.shutDown();
    if (!wasClosed) this.events.closed(this, this.closeReason ?? `closed by the exchange (code ${code})`);
  }

  private shutDown(): void {
    this.state = 'closed';
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    for (const entry of this.awaiting.values()) entry.cancel();
    this.awaiting.clear();
    this.queue.length = 0;
  }

  private flush(): void {
    if (this.state !== 'open' || this.cancelFlush) return;
    while (this.queue.length > 0) {
      let wait = this.pacer.delay();
      let next = 0;
      const budget = wait === 0 && this.queue[0].kind === 'request' ? (this.hourly?.delay() ?? 0) : 0;
      if (budget > 0) {
        // Requests wait for the hourly budget; a ping queued behind them goes first.
        next = this.queue.findIndex((o) => o.kind === 'ping');
        if (next < 0) wait = budget;
      }
      if (wait > 0) {
        this.cancelFlush = this.deps.setTimeout(
          this.deps.guard(() => {
            this.cancelFlush = undefined;
            this.flush();
          }),
          wait,
        );
        return;
      }
      this.send(this.queue.splice(next, 1)[0]);
    }
  }

  private send(out: Outgoing): void {
    this.pacer.record();
    this.deps.sent();
    if (out.kind === 'ping') {
      this.deps.ping(this.ws);
      return;
    }
    this.hourly?.record();
    const id = this.nextId++;
    const cancel = this.deps.setTimeout(
      this.deps.guard(() => this.terminate(`no reply to ${out.op} #${id} within ${this.limits.ackTimeoutMs} ms`)),
      this.limits.ackTimeoutMs,
    );
    this.awaiting.set(String(id), { op: out.op, streams: [...out.streams], cancel });
    this.ws.send(this.deps.encode(out.op, out.streams, id));
  }
}

function toText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
