import { TesseraError } from '../common/errors';

export interface QuotaLimits {
  /** Sessions one socket created and nobody closed yet. */
  readonly maxSessionsPerConnection: number;
  /** Sessions created through the gateway with its token and not closed (only with a token). */
  readonly maxSessionsPerToken: number;
  /** Sessions created through the gateway that never time out (`idleAfterMs` ≤ 0). */
  readonly maxPersistentSessions: number;
  /** Longest `idleAfterMs` a gateway client may ask for. */
  readonly maxIdleAfterMs: number;
}

interface Owner {
  readonly connection: number;
  readonly persistent: boolean;
}

/**
 * What gateway clients hold: the sessions they created that are not closed yet, per socket, in
 * all (one token is one party), and those that never time out. Told by the service of every
 * session that is gone, however it went (closed, idle, restart limit).
 */
export class SessionQuota {
  private readonly owners = new Map<string, Owner>();
  private readonly perConnection = new Map<number, number>();
  private persistent = 0;

  constructor(
    private readonly limits: QuotaLimits,
    private readonly withToken: boolean,
  ) {}

  /** Throws LIMIT_EXCEEDED when `connection` may not create a session with this idle time. */
  admit(connection: number, idleAfterMs: number | undefined): void {
    const { limits } = this;
    const refuse = (message: string, limit: string): never => {
      throw new TesseraError('LIMIT_EXCEEDED', message, { details: { limit } });
    };
    if (idleAfterMs !== undefined && idleAfterMs > limits.maxIdleAfterMs) {
      refuse(`idleAfterMs ${idleAfterMs} is over the gateway's maximum of ${limits.maxIdleAfterMs} (gateway.maxIdleAfterMs)`, 'maxIdleAfterMs');
    }
    if (idleAfterMs !== undefined && idleAfterMs <= 0 && this.persistent >= limits.maxPersistentSessions) {
      refuse(`at most ${limits.maxPersistentSessions} sessions that never time out over the gateway (gateway.maxPersistentSessions); give idleAfterMs`, 'maxPersistentSessions');
    }
    if ((this.perConnection.get(connection) ?? 0) >= limits.maxSessionsPerConnection) {
      refuse(`this connection holds ${limits.maxSessionsPerConnection} sessions (gateway.maxSessionsPerConnection); close one first`, 'maxSessionsPerConnection');
    }
    if (this.withToken && this.owners.size >= limits.maxSessionsPerToken) {
      refuse(`clients of this token hold ${limits.maxSessionsPerToken} sessions (gateway.maxSessionsPerToken)`, 'maxSessionsPerToken');
    }
  }

  created(connection: number, sessionId: string, idleAfterMs: number | undefined): void {
    const persistent = idleAfterMs !== undefined && idleAfterMs <= 0;
    this.owners.set(sessionId, { connection, persistent });
    this.perConnection.set(connection, (this.perConnection.get(connection) ?? 0) + 1);
    if (persistent) this.persistent++;
  }

  /** The session is gone (from anywhere). */
  closed(sessionId: string): void {
    const owner = this.owners.get(sessionId);
    if (owner === undefined) return;
    this.owners.delete(sessionId);
    const n = (this.perConnection.get(owner.connection) ?? 1) - 1;
    if (n > 0) this.perConnection.set(owner.connection, n);
    else this.perConnection.delete(owner.connection);
    if (owner.persistent) this.persistent--;
  }

  /** Sessions held now (for tests and stats). */
  get held(): number {
    return this.owners.size;
  }
}
