import type WebSocket from 'ws';
import { Channel, ClientError, nodeTransport, type ServerFrame as WireFrame } from '../../client';

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

/** The soak's names for the client library's own failures; the server's codes pass as they are. */
function linkError(error: unknown): LinkError {
  if (!(error instanceof ClientError)) return new LinkError('ERROR', String(error));
  const code = error.code === 'CONNECTION_LOST' ? 'SOCKET_CLOSED' : error.code === 'NO_ANSWER' ? 'HUNG' : error.code;
  return new LinkError(code, error.message);
}

/**
 * One real WebSocket to the gateway, on the client library's Channel: asks resolve with the
 * frame that echoes their ref; everything else goes to `onFrame`. Reading can be paused, which
 * leaves the server's writes piling up in the kernel and then in ws's buffer, as with a slow peer.
 */
export class WsLink {
  readonly closed: Promise<number>;
  private isClosed = false;

  private constructor(
    private readonly channel: Channel,
    private readonly ws: WebSocket,
  ) {
    this.closed = channel.closed.then(({ code }) => {
      this.isClosed = true;
      return code;
    });
  }

  static async open(url: string, onFrame: (frame: ServerFrame) => void, timeoutMs: number): Promise<WsLink> {
    let ws: WebSocket | undefined;
    try {
      const channel = await Channel.open(url, {
        transport: nodeTransport({ onSocket: (s) => (ws = s) }),
        connectTimeoutMs: timeoutMs,
        onFrame: (frame: WireFrame) => onFrame(frame as unknown as ServerFrame),
        onUnreadable: (text) => onFrame({ op: 'unparsable', text }),
      });
      return new WsLink(channel, ws!);
    } catch (error) {
      throw new LinkError('CONNECT_FAILED', error instanceof Error ? error.message : String(error));
    }
  }

  get open(): boolean {
    return !this.isClosed && this.channel.isOpen;
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  /** Sends `frame` with a fresh ref; resolves with its answer, rejects on an `error` answer. */
  async ask(frame: Record<string, unknown>, timeoutMs: number): Promise<ServerFrame> {
    if (!this.open) throw new LinkError('SOCKET_CLOSED', 'socket is not open');
    let answer: ServerFrame;
    try {
      answer = (await this.channel.askRaw(frame, timeoutMs)) as unknown as ServerFrame;
    } catch (error) {
      throw linkError(error);
    }
    if (answer.op === 'error') throw new LinkError(String(answer.code), String(answer.message));
    return answer;
  }

  /** Sends without waiting (publish answers only on error, which arrives as an unasked frame). */
  send(frame: Record<string, unknown>): void {
    if (this.open) this.channel.sendText(JSON.stringify(frame));
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
    void this.channel.close(1000);
    return this.closed;
  }
}
