import WebSocket from 'ws';

/** A server frame as received: an object with an `op`. */
export type ServerFrame = { readonly op: string; readonly [key: string]: unknown };

/** An `error` frame (or a closed socket) as a rejection with a `code`. */
export class LinkError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}

let refs = 0;

/**
 * One real WebSocket to the gateway: asks carry a `ref` and resolve with the frame that echoes
 * it; everything else goes to `onFrame`. Reading can be paused, which leaves the server's
 * writes piling up in the kernel and then in ws's buffer, as with a slow peer.
 */
export class WsLink {
  readonly closed: Promise<number>;
  private readonly waiting = new Map<string, { resolve: (frame: ServerFrame) => void; reject: (error: Error) => void }>();
  private isClosed = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly onFrame: (frame: ServerFrame) => void,
  ) {
    ws.on('message', (data) => this.receive(String(data)));
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.once('close', (code) => {
        this.isClosed = true;
        for (const waiter of this.waiting.values()) waiter.reject(new LinkError('SOCKET_CLOSED', `socket closed (${code}) before the answer`));
        this.waiting.clear();
        resolve(code);
      }),
    );
  }

  static open(url: string, onFrame: (frame: ServerFrame) => void, timeoutMs: number): Promise<WsLink> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
      const link = new WsLink(ws, onFrame);
      ws.once('open', () => resolve(link));
      ws.once('error', (error) => reject(new LinkError('CONNECT_FAILED', error.message)));
      ws.once('unexpected-response', (_req, res) => reject(new LinkError('CONNECT_FAILED', `HTTP ${res.statusCode}`)));
    });
  }

  get open(): boolean {
    return !this.isClosed && this.ws.readyState === WebSocket.OPEN;
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  /** Sends `frame` with a fresh ref; resolves with its answer, rejects on an `error` answer. */
  ask(frame: Record<string, unknown>, timeoutMs: number): Promise<ServerFrame> {
    if (!this.open) return Promise.reject(new LinkError('SOCKET_CLOSED', 'socket is not open'));
    const ref = `s${++refs}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(ref);
        reject(new LinkError('HUNG', `no answer to ${String(frame.op)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        this.waiting.delete(ref);
      };
      this.waiting.set(ref, {
        resolve: (answer) => {
          settle();
          resolve(answer);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      this.ws.send(JSON.stringify({ ...frame, ref }));
    });
  }

  /** Sends without waiting (publish answers only on error, which arrives as an unasked frame). */
  send(frame: Record<string, unknown>): void {
    if (this.open) this.ws.send(JSON.stringify(frame));
  }

  pauseReading(): void {
    if (!this.ws.isPaused) this.ws.pause();
  }

  resumeReading(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  /** Gone without a close frame, as when a network path dies. */
  terminate(): Promise<number> {
    this.ws.terminate();
    return this.closed;
  }

  /** A proper close handshake. */
  close(): Promise<number> {
    this.resumeReading();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    return this.closed;
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return this.onFrame({ op: 'unparsable', text });
    }
    const ref = typeof frame.ref === 'string' ? frame.ref : undefined;
    const waiter = ref === undefined ? undefined : this.waiting.get(ref);
    if (waiter === undefined) return this.onFrame(frame);
    if (frame.op === 'error') waiter.reject(new LinkError(String(frame.code), String(frame.message)));
    else waiter.resolve(frame);
  }
}
