import type { ConnectionHost, ConnectionSettings } from './connection-types';
import { ManagedConnection } from './managed-connection';

/**
 * A connection to one of a venue's endpoints (a path or channel family under its base URL): the
 * constructor venues with several endpoints share; the subclass builds `url()` from both.
 */
export abstract class EndpointConnection extends ManagedConnection {
  constructor(
    host: ConnectionHost,
    settings: ConnectionSettings,
    readonly endpoint: string,
    protected readonly baseUrl: string,
  ) {
    super(host, settings);
  }
}
