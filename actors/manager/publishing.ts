import type { Clock } from '../../common/clock';
import type { MessageEnvelope } from '../../common/envelope';
import { TesseraError } from '../../common/errors';
import type { Payload } from '../../common/json';
import { assertFinitePayload, messageBytes } from '../../common/payload-size';
import { parseIdentifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import type { RouterPort } from '../../router/port';
import type { PublishedStreams } from './published';

/**
 * Client publishing into the publish namespaces: checks the target, numbers the message per
 * stream (see PublishedStreams for how long an id is remembered) and puts it in the router's port.
 */
export class Publishing {
  constructor(
    private readonly port: RouterPort,
    private readonly clock: Clock,
    private readonly streams: PublishedStreams,
    private readonly publishNamespaces: ReadonlySet<string>,
    private readonly isProvider: (namespace: string) => boolean,
  ) {}

  publish(text: string, payload: Payload): void {
    const id = parseIdentifier(text);
    assertFinitePayload(payload, 'payload');
    const size = messageBytes(payload);
    if (this.isProvider(id.namespace)) throw new TesseraError('FORBIDDEN_NAMESPACE', `"${id.namespace}" belongs to a provider; clients cannot publish into it`);
    if (!this.publishNamespaces.has(id.namespace)) throw new TesseraError('UNKNOWN_NAMESPACE', `"${id.namespace}" is not a publish namespace`);
    const counter = this.streams.counter(id);
    const msg: MessageEnvelope = { type: 'message', id: counter.id, seq: ++counter.seq, epoch: counter.epoch, ts: this.clock.now(), eventTs: undefined, payload, size };
    counter.last = msg;
    this.port.push(msg);
  }

  /** Published streams the pattern matches (for `explain` of a publish namespace). */
  matching(pattern: Pattern): string[] {
    return this.streams.matching(pattern);
  }

  /** Lets idle published ids go (in the manager's turn). */
  sweep(): void {
    this.streams.sweep();
  }

  stop(): void {
    this.streams.stop();
  }
}
