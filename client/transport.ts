import { ClientError } from './errors';

/** What a transport tells the connection; every callback runs at most once per event. */
export interface TransportEvents {
  open(): void;
  text(data: string): void;
  /** The socket is gone (also after a failed open, which `error` reports first). */
  close(code: number, reason: string): void;
  error(error: ClientError): void;
}

/** One WebSocket, as the client needs it; Node (ws) and browsers supply their own. */
export interface Transport {
  readonly isOpen: boolean;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export interface TransportOptions {
  readonly token?: string;
  readonly handshakeTimeoutMs?: number;
}

export type TransportFactory = (url: string, options: TransportOptions, events: TransportEvents) => Transport;

/** `url` with `?token=` added: the one way a browser WebSocket can carry a token. */
export function withTokenParam(url: string, token: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/** The part of the standard WebSocket class the browser transport uses. */
interface StandardSocket {
  readonly readyState: number;
  onopen: (() => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: (() => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

type StandardSocketClass = new (url: string) => StandardSocket;

/**
 * A transport on the platform's own WebSocket (browsers, Deno, Node ≥ 22). It cannot set
 * headers, so a token travels as `?token=`; the gateway accepts both.
 */
export const standardTransport: TransportFactory = (url, options, events) => {
  const WebSocketClass = (globalThis as { WebSocket?: StandardSocketClass }).WebSocket;
  if (WebSocketClass === undefined) throw new ClientError('CONNECT_FAILED', 'this platform has no global WebSocket; pass a transport');
  const socket = new WebSocketClass(options.token === undefined ? url : withTokenParam(url, options.token));
  let opened = false;
  socket.onopen = () => {
    opened = true;
    events.open();
  };
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') events.text(event.data);
  };
  // Browsers say nothing of why an upgrade failed (a 401 looks like any other failure).
  socket.onerror = () => {
    if (!opened) events.error(new ClientError('CONNECT_FAILED', `cannot connect to ${url}`));
  };
  socket.onclose = (event) => events.close(event.code, event.reason);
  return {
    get isOpen() {
      return socket.readyState === 1;
    },
    send: (text) => socket.send(text),
    close: (code, reason) => socket.close(code, reason),
  };
};
