import type { StreamRejection } from './waiters';

/** What the pool needs of a connection; `ManagedConnection` has it. */
export interface PooledConnection {
  readonly size: number;
  subscribe(streams: readonly string[]): Promise<StreamRejection[]>;
  unsubscribe(streams: readonly string[]): void;
  close(): void;
}

export interface PlacedStream {
  readonly stream: string;
  /** The venue's name for where the stream is served (a URL path, a channel family); a plain string. */
  readonly endpoint: string;
}

/**
 * The provider's connections, per endpoint. A new stream goes to the first connection of its
 * endpoint with room; when none has room another is opened. Emptied connections are closed.
 */
export class ConnectionPool<C extends PooledConnection> {
  private readonly connections = new Map<string, C[]>();
  private readonly home = new Map<string, C>();

  constructor(
    private readonly open: (endpoint: string) => C,
    private readonly perConnection: number,
  ) {}

  get size(): number {
    let n = 0;
    for (const list of this.connections.values()) n += list.length;
    return n;
  }

  /** Subscribes every stream (placing all of them before waiting); resolves with the refused ones. */
  async subscribe(streams: readonly PlacedStream[]): Promise<StreamRejection[]> {
    const batches = new Map<C, string[]>();
    for (const { stream, endpoint } of streams) {
      if (this.home.has(stream)) continue;
      const connection = this.withRoom(endpoint, batches);
      this.home.set(stream, connection);
      let batch = batches.get(connection);
      if (!batch) batches.set(connection, (batch = []));
      batch.push(stream);
    }
    const results = await Promise.all([...batches].map(([connection, batch]) => connection.subscribe(batch)));
    const rejected = results.flat();
    for (const { stream } of rejected) this.home.delete(stream);
    this.closeEmpty();
    return rejected;
  }

  unsubscribe(streams: readonly string[]): void {
    const batches = new Map<C, string[]>();
    for (const stream of streams) {
      const connection = this.home.get(stream);
      if (!connection) continue;
      this.home.delete(stream);
      const batch = batches.get(connection);
      if (batch) batch.push(stream);
      else batches.set(connection, [stream]);
    }
    for (const [connection, batch] of batches) connection.unsubscribe(batch);
    this.closeEmpty();
  }

  closeAll(): void {
    for (const list of this.connections.values()) for (const c of list) c.close();
    this.connections.clear();
    this.home.clear();
  }

  /** `pending` counts streams placed in this call but not yet handed to their connection. */
  private withRoom(endpoint: string, pending: ReadonlyMap<C, string[]>): C {
    let list = this.connections.get(endpoint);
    if (!list) this.connections.set(endpoint, (list = []));
    for (const c of list) if (c.size + (pending.get(c)?.length ?? 0) < this.perConnection) return c;
    const created = this.open(endpoint);
    list.push(created);
    return created;
  }

  private closeEmpty(): void {
    for (const [endpoint, list] of this.connections) {
      const keep = list.filter((c) => {
        if (c.size === 0) c.close();
        return c.size > 0;
      });
      this.connections.set(endpoint, keep);
    }
  }
}
