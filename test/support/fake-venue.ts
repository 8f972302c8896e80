import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';

/** Everything a client sent, timestamped (performance.now()), control frames included. */
export interface Received {
  readonly at: number;
  readonly kind: 'text' | 'ping' | 'pong';
  readonly text?: string;
}

/** One client connection as a fake venue sees it. */
export class VenueConnection {
  /** Streams (or topics) the venue has this connection subscribed to. */
  readonly streams = new Set<string>();
  readonly received: Received[] = [];
  closed = false;
  /** Cut off: answers nothing, sends nothing (not even pongs), like a dead TCP path. */
  muted = false;
  /** Everything sent is delayed this long (order kept). */
  lagMs = 0;
  private readonly pongWaiters: (() => void)[] = [];

  constructor(
    readonly serial: number,
    readonly path: string,
    readonly socket: WebSocket,
  ) {}

  /** Text messages received, in order. */
  get texts(): string[] {
    return this.received.filter((r) => r.kind === 'text').map((r) => r.text!);
  }

  /** Text messages received, parsed (a venue's control requests are JSON); text that is not JSON stays text. */
  get requests(): Record<string, unknown>[] {
    return this.texts.map((text) => {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        return { text };
      }
    });
  }

  send(text: string): void {
    if (this.closed || this.muted) return;
    if (this.lagMs === 0) this.socket.send(text);
    else setTimeout(() => this.closed || this.socket.send(text), this.lagMs);
  }

  /** Sends a websocket ping; resolves when the client's pong comes back. */
  ping(): Promise<void> {
    return new Promise((resolve) => {
      this.pongWaiters.push(resolve);
      this.socket.ping();
    });
  }

  /** Drops the TCP connection without a close handshake. */
  drop(): void {
    this.socket.terminate();
  }

  pong(): void {
    this.pongWaiters.shift()?.();
  }
}

/** What a venue's wire protocol does with a text message from a client. */
export type ControlHandler = (connection: VenueConnection, text: string) => void;

/**
 * A local websocket server on 127.0.0.1, port 0, that records every client connection and hands
 * each text message to the venue's control handler. Venue fakes build on it.
 */
export class FakeVenueServer {
  readonly connections: VenueConnection[] = [];

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
  ) {}

  /** `onAccept` runs for each new connection before any message is handled. */
  static start(control: ControlHandler, onAccept: (connection: VenueConnection) => void = () => {}, onReceive: (connection: VenueConnection) => void = () => {}): Promise<FakeVenueServer> {
    return new Promise((resolve, reject) => {
      // autoPong off: the fake answers pings itself so a muted connection can stay silent.
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
      server.once('error', reject);
      server.once('listening', () => {
        const { port } = server.address() as AddressInfo;
        const venue = new FakeVenueServer(server, `ws://127.0.0.1:${port}`);
        server.on('connection', (socket, request) => venue.accept(socket, request.url ?? '', control, onAccept, onReceive));
        resolve(venue);
      });
    });
  }

  get open(): VenueConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /** Sends `text`, byte-identical, to every open, unmuted connection subscribed to `stream`. */
  publishText(stream: string, text: string): number {
    let n = 0;
    for (const c of this.open) {
      if (c.streams.has(stream) && !c.muted) {
        c.send(text);
        n++;
      }
    }
    return n;
  }

  /** Streams held by open connections, sorted (duplicates kept, so doubles show). */
  subscribed(): string[] {
    return this.open.flatMap((c) => [...c.streams]).sort();
  }

  close(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket, path: string, control: ControlHandler, onAccept: (c: VenueConnection) => void, onReceive: (c: VenueConnection) => void): void {
    const connection = new VenueConnection(this.connections.length + 1, path, socket);
    this.connections.push(connection);
    onAccept(connection);
    const record = (kind: Received['kind'], text?: string): void => {
      connection.received.push({ at: performance.now(), kind, text });
      onReceive(connection);
    };
    socket.on('message', (data) => {
      const text = String(data);
      record('text', text);
      if (!connection.muted && !connection.closed) control(connection, text);
    });
    socket.on('ping', (data) => {
      record('ping');
      if (!connection.muted) socket.pong(data);
    });
    socket.on('pong', () => {
      record('pong');
      connection.pong();
    });
    socket.on('close', () => (connection.closed = true));
    socket.on('error', () => (connection.closed = true));
  }
}
