/** The client library for Node (`tessera/client`): sockets through `ws`, the token as a Bearer header. */
import { TesseraClient } from './client';
import type { ConnectOptions } from './options';
import { nodeTransport } from './node-transport';

export * from './api';
export { nodeTransport, type NodeTransportOptions } from './node-transport';

/** Connects to a gateway and opens a session; see README, "Client library". */
export function connect(url: string, options: ConnectOptions = {}): Promise<TesseraClient> {
  return TesseraClient.connect(url, { ...options, transport: options.transport ?? nodeTransport() });
}
