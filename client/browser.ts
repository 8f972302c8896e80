/** The client library for browsers: the global WebSocket, the token as `?token=`. */
import { TesseraClient } from './client';
import type { ConnectOptions } from './options';
import { standardTransport } from './transport';

export * from './api';

/** Connects to a gateway and opens a session; see README, "Client library". */
export function connect(url: string, options: ConnectOptions = {}): Promise<TesseraClient> {
  return TesseraClient.connect(url, { ...options, transport: options.transport ?? standardTransport });
}
