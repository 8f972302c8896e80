import type { MessageEnvelope } from '../common/envelope';
import type { Identifier } from '../router/identifier';
import type { Provider, ProviderContext } from '../providers/contract';

/** An input message as a worker receives it: shared with every other consumer, so read-only. */
export type InputMessage = Pick<MessageEnvelope, 'id' | 'seq' | 'ts' | 'eventTs' | 'payload'>;

/**
 * A worker consumes streams and emits derived streams into its own namespace. It has a
 * provider's lifecycle (`start`, `stop`, `subscribe`, `unsubscribe`, `validate?`, `expand?`,
 * `request?`, all called one at a time in its own actor) plus two calls:
 *
 * - `inputs(id)`: the patterns derived stream `id` needs, asked just before `subscribe([id])`.
 *   The service binds them for the worker, reference-counted with every session's bindings (an
 *   input wanted by a worker and three sessions starts upstream once), and lets go of them once
 *   no subscribed stream needs them. A throw, an invalid pattern, an input that cannot start or
 *   one that would make a cycle of workers refuses that stream (STREAM_START_FAILED).
 * - `receive(batch)`: input messages in arrival order, as a batch, in the worker's own turn.
 *   Emit derived messages with `ctx.emit`; a throw is a crash, as for a provider.
 *
 * Supervision is a provider's: a crash stops the instance, and after the backoff a fresh one
 * (from the factory) is started and every wanted stream subscribed again; sessions get a `gap`
 * notice for each derived stream, since whatever state the old instance held is gone.
 */
export interface Worker extends Provider {
  start(ctx: WorkerContext): void | Promise<void>;
  inputs(id: Identifier): readonly string[];
  receive(batch: readonly InputMessage[]): void;
}

/** Given instead of an instance so every restart gets a fresh worker. */
export type WorkerFactory = () => Worker;

/** A worker's context is a provider's: emit into its own namespace, timers, a logger, `fail`. */
export type WorkerContext = ProviderContext;
