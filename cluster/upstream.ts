import type { JsonValue } from '../common/json';
import type { Logger } from '../common/logger';
import type { DataService } from '../data-service';
import type { UnionChange } from './leases';
import type { RemoteFailure } from './protocol';
import { UpstreamSession, type UpstreamSinks } from './upstream-session';

export interface UpstreamOptions {
  /** Streams per internal session; stay under the service's `maxPatternsPerSession`. */
  readonly streamsPerSession: number;
  readonly outBuffer: number;
}

/**
 * The exporter's pull on its local service: every stream some remote node wants, spread over
 * as few internal sessions as fit (a session takes a bounded number of patterns, and a
 * configure costs in proportion to its session's size, not to the whole export).
 */
export class Upstream {
  private readonly sessions: UpstreamSession[] = [];
  private readonly home = new Map<string, UpstreamSession>();

  constructor(
    private readonly service: DataService,
    private readonly sinks: UpstreamSinks,
    private readonly options: UpstreamOptions,
    private readonly logger: Logger,
  ) {}

  /** Streams held upstream now. */
  get size(): number {
    return this.home.size;
  }

  /** Applies a change of the wanted union; returns the added streams that could not start. */
  async update(change: UnionChange): Promise<RemoteFailure[]> {
    const touched = new Set<UpstreamSession>();
    for (const id of change.removed) {
      const session = this.home.get(id);
      if (session === undefined) continue;
      session.wanted.delete(id);
      this.home.delete(id);
      touched.add(session);
    }
    for (const id of change.added) {
      if (this.home.has(id)) continue;
      const session = this.roomy();
      session.wanted.add(id);
      this.home.set(id, session);
      touched.add(session);
    }
    const results = await Promise.all([...touched].map((session) => session.apply()));
    const failures = results.flat();
    for (const failure of failures) this.home.delete(failure.id);
    return failures;
  }

  /** A request goes to the provider through any of the sessions (it needs an attached client). */
  request(id: string, body: JsonValue): Promise<JsonValue> {
    return (this.sessions[0] ?? this.open()).request(id, body);
  }

  async close(): Promise<void> {
    const sessions = this.sessions.splice(0);
    this.home.clear();
    await Promise.all(sessions.map((session) => session.close()));
  }

  private roomy(): UpstreamSession {
    return this.sessions.find((session) => session.size < this.options.streamsPerSession) ?? this.open();
  }

  private open(): UpstreamSession {
    const session = new UpstreamSession(this.service, this.sinks, this.options.outBuffer, this.logger);
    this.sessions.push(session);
    return session;
  }
}
