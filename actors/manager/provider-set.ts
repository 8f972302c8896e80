import { TesseraError, toError } from '../../common/errors';
import type { JsonValue } from '../../common/json';
import type { ProviderStats, StreamStats } from '../../common/service-types';
import type { Provider, ProviderFactory } from '../../providers/contract';
import type { Identifier } from '../../router/identifier';
import type { StreamDirectory } from '../../router/streams';
import type { ActorParent } from '../nact';
import { spawnGroup } from '../nact';
import { ProviderRecord, type ProviderEnv } from '../provider/provider-record';

/** A provider record's needs (the set's own group is their parent), and the publish namespaces. */
export interface ProviderSetEnv extends ProviderEnv {
  readonly publishNamespaces: ReadonlySet<string>;
}

const NAMESPACE = /^[a-z0-9_-]{1,64}$/;

/** The manager's providers by name: adding, removing, requests, and their supervision records. */
export class ProviderSet {
  readonly records = new Map<string, ProviderRecord>();
  private readonly group: ActorParent;

  constructor(private readonly env: ProviderSetEnv) {
    this.group = spawnGroup(env.parent, 'providers').asParent;
  }

  get(name: string): ProviderRecord | undefined {
    return this.records.get(name);
  }

  has(name: string): boolean {
    return this.records.has(name);
  }

  /**
   * Starts a provider; on failure nothing of it is left. `stopping` tells a shutdown from a
   * failure; `make` builds a record of another kind (a worker's).
   */
  async add(name: string, source: Provider | ProviderFactory, stopping: () => boolean, make?: (name: string, env: ProviderEnv) => ProviderRecord): Promise<void> {
    if (typeof name !== 'string' || !NAMESPACE.test(name.toLowerCase())) {
      throw new TesseraError('BAD_REQUEST', `provider name must be 1-64 chars of a-z 0-9 _ -, got ${JSON.stringify(name)}`);
    }
    name = name.toLowerCase();
    if (this.records.has(name)) throw new TesseraError('PROVIDER_EXISTS', `provider "${name}" exists`);
    if (this.env.publishNamespaces.has(name)) throw new TesseraError('PROVIDER_EXISTS', `"${name}" is a publish namespace`);
    const { parent: _parent, publishNamespaces: _namespaces, ...env } = this.env;
    const record = make ? make(name, { ...env, parent: this.group }) : new ProviderRecord(name, source, { ...env, parent: this.group });
    this.records.set(name, record);
    try {
      await record.start();
    } catch (error) {
      if (this.records.get(name) === record) this.records.delete(name);
      if (stopping()) throw new TesseraError('SHUTTING_DOWN', 'the service is shutting down');
      throw new TesseraError('PROVIDER_START_FAILED', `provider "${name}" failed to start: ${toError(error).message}`, { cause: error });
    }
  }

  /** Takes the provider out of the set; the caller unbinds its sessions, then stops it. */
  remove(name: string): ProviderRecord {
    const record = this.records.get(typeof name === 'string' ? name.toLowerCase() : '');
    if (record === undefined) throw new TesseraError('PROVIDER_NOT_FOUND', `no provider "${name}"`);
    this.records.delete(record.name);
    return record;
  }

  async request(id: Identifier, body: JsonValue): Promise<JsonValue> {
    const record = this.records.get(id.namespace);
    if (record === undefined) {
      if (this.env.publishNamespaces.has(id.namespace)) throw new TesseraError('NOT_SUPPORTED', `publish namespace "${id.namespace}" has no provider to answer requests`);
      throw new TesseraError('UNKNOWN_NAMESPACE', `no provider "${id.namespace}"`);
    }
    try {
      return await record.request(id, body);
    } catch (error) {
      if (error instanceof TesseraError) throw error;
      throw new TesseraError('PROVIDER_NOT_FOUND', `provider "${record.name}" could not answer: ${toError(error).message}`, { cause: error });
    }
  }

  crash(name: string): void {
    const record = this.records.get(name);
    if (record === undefined) throw new TesseraError('PROVIDER_NOT_FOUND', `no provider "${name}"`);
    record.crash();
  }

  stats(include: (record: ProviderRecord) => boolean = () => true): ProviderStats[] {
    return [...this.records.values()].filter(include).map((p) => {
      const details = p.details();
      const base = { name: p.name, state: p.state, streams: p.streams.live().length, msgs: p.counters.msgs, restarts: p.restarts };
      return details === undefined ? base : { ...base, details };
    });
  }

  /** Every flowing stream with its seq so far (rates are its change over time). */
  streamStats(directory: StreamDirectory): StreamStats[] {
    return [...this.records.values()].flatMap((p) => {
      const counters = directory.namespace(p.name);
      return p.streams.live().map((id) => ({ id: id.canonical, provider: p.name, seq: counters.get(id.canonical)?.seq ?? 0 }));
    });
  }

  /** Stops every provider (their stop failures are theirs) and empties the set. */
  async stopAll(): Promise<void> {
    const records = [...this.records.values()];
    this.records.clear();
    await Promise.all(records.map((record) => record.stop().catch(() => undefined)));
  }
}
