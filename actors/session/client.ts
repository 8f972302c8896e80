import { Observable } from 'rxjs';
import type { Envelope } from '../../common/envelope';
import { TesseraError } from '../../common/errors';
import type { JsonValue, Payload } from '../../common/json';
import type { Client, Resumed } from '../../common/service-types';
import type { Outbox } from './outbox';
import type { SessionRecord } from './session-record';

/** How a client handle reaches the manager for publish and request. */
export interface ClientPort {
  publish(sessionId: string, attachment: number, id: string, payload: Payload): Promise<void>;
  request(sessionId: string, attachment: number, id: string, body: JsonValue): Promise<JsonValue>;
}

/**
 * A client's handle on its session. It acts only while it is the session's current attachment:
 * after detach, close or a re-attach elsewhere it is inert and its Observable completes.
 */
export class ClientHandle implements Client {
  readonly sessionId: string;
  readonly envelopes: Observable<Envelope>;
  private readonly outbox: Outbox;

  constructor(
    private readonly session: SessionRecord,
    private readonly attachment: number,
    private readonly port: ClientPort,
    readonly resumed: Resumed,
  ) {
    this.sessionId = session.id;
    this.outbox = session.outbox;
    this.envelopes = new Observable<Envelope>((subscriber) => {
      if (!this.current) {
        subscriber.complete();
        return undefined;
      }
      this.outbox.addSink(subscriber);
      return () => this.outbox.removeSink(subscriber);
    });
  }

  private get current(): boolean {
    return !this.session.closed && this.session.attachment === this.attachment;
  }

  publish(id: string, payload: Payload): Promise<void> {
    if (!this.current) return Promise.reject(this.detached());
    return this.port.publish(this.sessionId, this.attachment, id, payload);
  }

  request(id: string, body: JsonValue): Promise<JsonValue> {
    if (!this.current) return Promise.reject(this.detached());
    return this.port.request(this.sessionId, this.attachment, id, body);
  }

  pause(): void {
    if (this.current) this.outbox.pause();
  }

  resume(): void {
    if (this.current) this.outbox.resume();
  }

  undelivered(envelopes: readonly Envelope[]): void {
    if (!this.session.closed) this.outbox.undelivered(envelopes);
  }

  private detached(): TesseraError {
    return new TesseraError('CLIENT_NOT_ATTACHED', `this client is no longer attached to session ${this.sessionId}`);
  }
}
