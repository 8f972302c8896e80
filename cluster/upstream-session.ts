import type { Subscription } from 'rxjs';
import type { MessageEnvelope, Notice } from '../common/envelope';
import { TesseraError, toError } from '../common/errors';
import type { JsonValue } from '../common/json';
import type { Logger } from '../common/logger';
import type { Client } from '../common/service-types';
import type { DataService } from '../data-service';
import type { RemoteFailure } from './protocol';

/** Where an upstream session's envelopes go. */
export interface UpstreamSinks {
  message(msg: MessageEnvelope): void;
  notice(notice: Notice): void;
}

/**
 * One session the exporter holds on its own service, bound to exact patterns: the streams it
 * carries are subscribed upstream once, however many remote nodes want them. Reopened when
 * the service closed it (restart limit), since remote interest outlives any one session.
 */
export class UpstreamSession {
  /** What the pool wants this session to carry; `apply` makes it so, minus what fails. */
  readonly wanted = new Set<string>();
  private applied = new Set<string>();
  private sessionId = '';
  private client: Client | undefined;
  private subscription: Subscription | undefined;

  constructor(
    private readonly service: DataService,
    private readonly sinks: UpstreamSinks,
    private readonly outBuffer: number,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.wanted.size;
  }

  /**
   * Configures the session to exactly `wanted`. A configure is all-or-nothing, so a stream it
   * blames is taken out and the rest tried again; each round removes at least one stream.
   */
  async apply(): Promise<RemoteFailure[]> {
    const attempt = new Set(this.wanted);
    const failures: RemoteFailure[] = [];
    let reopened = false;
    for (;;) {
      if (attempt.size === 0 && this.client === undefined) {
        this.applied = attempt;
        break;
      }
      try {
        const client = await this.ensureOpen();
        await this.service.configureSession(client.sessionId, [...attempt]);
        this.applied = attempt;
        break;
      } catch (error) {
        if (error instanceof TesseraError && error.code === 'SESSION_NOT_FOUND' && !reopened) {
          reopened = true;
          this.forget();
          continue;
        }
        const blamed = blame(error, attempt);
        // Nothing named: none of the new streams can start; keep what already runs.
        const culprits = blamed.length > 0 ? blamed : [...attempt].filter((id) => !this.applied.has(id)).map((id) => ({ id, reason: toError(error).message }));
        if (culprits.length === 0) throw error;
        for (const failure of culprits) {
          attempt.delete(failure.id);
          failures.push(failure);
        }
      }
    }
    for (const failure of failures) this.wanted.delete(failure.id);
    return failures;
  }

  async request(id: string, body: JsonValue): Promise<JsonValue> {
    return (await this.ensureOpen()).request(id, body);
  }

  async close(): Promise<void> {
    const id = this.sessionId;
    this.forget();
    if (id !== '') await this.service.closeSession(id).catch(() => undefined);
  }

  private async ensureOpen(): Promise<Client> {
    if (this.client !== undefined) return this.client;
    const sessionId = await this.service.newSession({ idleAfterMs: 0 });
    const client = await this.service.attachClient(sessionId, { outBuffer: this.outBuffer, overflow: 'drop-oldest' });
    this.sessionId = sessionId;
    this.client = client;
    this.applied = new Set();
    this.subscription = client.envelopes.subscribe({
      next: (envelope) => (envelope.type === 'message' ? this.sinks.message(envelope) : this.sinks.notice(envelope)),
      complete: () => {
        if (this.client !== client) return;
        this.logger.warn('upstream session ended; it is reopened on the next change', { session: sessionId });
        this.forget();
      },
    });
    return client;
  }

  private forget(): void {
    this.client = undefined;
    this.sessionId = '';
    this.applied = new Set();
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.unsubscribe();
  }
}

/** The streams a configure error names: STREAM_START_FAILED lists them, a bad pattern names one. */
function blame(error: unknown, attempt: ReadonlySet<string>): RemoteFailure[] {
  if (!(error instanceof TesseraError)) return [];
  const streams = error.details.streams;
  if (Array.isArray(streams)) {
    return streams
      .filter((s): s is { id: string; reason: string } => typeof s?.id === 'string' && attempt.has(s.id))
      .map((s) => ({ id: s.id, reason: String(s.reason) }));
  }
  const pattern = error.details.pattern;
  if (typeof pattern === 'string' && attempt.has(pattern)) return [{ id: pattern, reason: error.message, invalid: error.code === 'INVALID_PATTERN' }];
  return [];
}
