import WebSocket from 'ws';

/** A server frame as the CLI sees it. */
export type Frame = Readonly<Record<string, unknown>> & { readonly op: string };

/** An `error` frame turned into something to throw; `code` is the protocol's. */
export class RemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'RemoteError';
  }
}

/**
 * The CLI's side of the gateway protocol: asks with a `ref` and waits for the answer that
 * echoes it; every other frame (messages, notices, errors without a ref) goes to `onFrame`.
 */
export class Remote {
  onFrame: (frame: Frame) => void = () => undefined;
  /** The socket closed: code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextRef = 1;
  private readonly pending = new Map<string, { resolve: (frame: Frame) => void; reject: (error: Error) => void }>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.dispatch(JSON.parse(String(data)) as Frame));
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        for (const waiter of this.pending.values()) waiter.reject(new Error(`connection closed (${code})`));
        this.pending.clear();
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  /** Opens the socket; the token travels as `Authorization: Bearer`. */
  static connect(url: string, token?: string): Promise<Remote> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });
      ws.once('open', () => resolve(new Remote(ws)));
      ws.once('unexpected-response', (_request, response) => {
        reject(new Error(`${url} refused the connection: HTTP ${response.statusCode}${response.statusCode === 401 ? ' (a token is needed: --token)' : ''}`));
        ws.terminate();
      });
      ws.once('error', (error) => reject(new Error(`cannot connect to ${url}: ${error.message}`)));
    });
  }

  /** Sends `frame` and resolves with its answer; an `error` answer rejects with RemoteError. */
  ask(frame: Readonly<Record<string, unknown>> & { op: string }): Promise<Frame> {
    const ref = `cli-${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject });
      this.ws.send(JSON.stringify({ ...frame, ref }));
    });
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    return this.closed;
  }

  private dispatch(frame: Frame): void {
    const ref = typeof frame.ref === 'string' ? frame.ref : undefined;
    const waiter = ref === undefined ? undefined : this.pending.get(ref);
    if (!waiter || ref === undefined) return this.onFrame(frame);
    this.pending.delete(ref);
    if (frame.op === 'error') waiter.reject(new RemoteError(String(frame.code), String(frame.message)));
    else waiter.resolve(frame);
  }
}
