import type { Identifier } from '../router/identifier';
import type { InputMessage, Worker, WorkerContext } from '../workers/contract';

/**
 * A worker that hands every call to another one. Subclass it to put faults around a real worker
 * (throw in `receive`, stall a `subscribe`, arm a timer that throws) without copying it.
 */
export class DelegatingWorker implements Worker {
  protected ctx: WorkerContext | undefined;

  constructor(protected readonly inner: Worker) {}

  start(ctx: WorkerContext): void | Promise<void> {
    this.ctx = ctx;
    return this.inner.start(ctx);
  }
  stop(): void | Promise<void> {
    return this.inner.stop();
  }
  subscribe(ids: readonly Identifier[]): ReturnType<Worker['subscribe']> {
    return this.inner.subscribe(ids);
  }
  unsubscribe(ids: readonly Identifier[]): void | Promise<void> {
    return this.inner.unsubscribe(ids);
  }
  validate(id: Identifier): string | undefined {
    return this.inner.validate?.(id);
  }
  inputs(id: Identifier): readonly string[] {
    return this.inner.inputs(id);
  }
  receive(batch: readonly InputMessage[]): void {
    this.inner.receive(batch);
  }
}
