import WebSocket from 'ws';
import { ClientError } from './errors';
import type { TransportFactory } from './transport';

export interface NodeTransportOptions {
  /** Passed to ws as they are (headers, autoPong, …); the token header is added to them. */
  readonly ws?: WebSocket.ClientOptions;
  /** Sees each socket opened, for callers that need ws itself (flow control, raw frames). */
  readonly onSocket?: (socket: WebSocket) => void;
}

/** A transport on `ws`; the token travels as `Authorization: Bearer`. */
export function nodeTransport(settings: NodeTransportOptions = {}): TransportFactory {
  return (url, options, events) => {
    const headers = { ...(settings.ws?.headers ?? {}), ...(options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` }) };
    const ws = new WebSocket(url, { ...settings.ws, headers, ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeout: options.handshakeTimeoutMs }) });
    settings.onSocket?.(ws);
    let failed = false;
    const fail = (error: ClientError): void => {
      if (failed) return;
      failed = true;
      events.error(error);
    };
    ws.on('open', () => events.open());
    ws.on('message', (data, isBinary) => {
      if (!isBinary) events.text(String(data));
    });
    ws.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      fail(new ClientError('CONNECT_FAILED', `${url} refused the connection: HTTP ${status}${status === 401 ? ' (a token is needed)' : ''}`, { status }));
      ws.terminate();
    });
    ws.on('error', (error) => {
      if (ws.readyState !== WebSocket.OPEN) fail(new ClientError('CONNECT_FAILED', `cannot connect to ${url}: ${error.message}`, { cause: error }));
    });
    ws.on('close', (code, reason) => events.close(code, reason.toString()));
    return {
      get isOpen() {
        return ws.readyState === WebSocket.OPEN;
      },
      send: (text) => ws.send(text),
      close: (code, reason) => {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(code, reason);
      },
    };
  };
}
