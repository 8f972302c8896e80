import type { Identifier } from '../../router/identifier';
import type { InputMessage, Worker, WorkerContext, WorkerFactory } from '../../workers/contract';

/**
 * Faults on order for a worker, by delegation: the next input batch throws, or a timer armed now
 * throws when it fires. One control outlives the worker's restarts (each gets a fresh inner
 * worker from the factory). `calm` swallows what is still armed, for the soak's quiet phase.
 */
export class WorkerFaults {
  calm = false;
  private throwInReceive = false;
  private live: FaultyWorker | undefined;

  constructor(private readonly inner: WorkerFactory) {}

  readonly factory: WorkerFactory = () => (this.live = new FaultyWorker(this.inner(), this));

  /** The next batch the worker receives throws. */
  throwNextReceive(): void {
    this.throwInReceive = true;
  }

  /** A timer of the running worker throws in `ms`. */
  throwFromTimer(ms: number): void {
    this.live?.arm(ms);
  }

  /** Called by the worker for each batch: whether to throw now. */
  takeReceiveFault(): boolean {
    const take = this.throwInReceive && !this.calm;
    this.throwInReceive = false;
    return take;
  }
}

class FaultyWorker implements Worker {
  private ctx: WorkerContext | undefined;

  constructor(
    private readonly inner: Worker,
    private readonly faults: WorkerFaults,
  ) {}

  arm(ms: number): void {
    const faults = this.faults;
    this.ctx?.setTimeout(() => {
      if (!faults.calm) throw new Error('soak: worker timer throw');
    }, ms);
  }

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
    if (this.faults.takeReceiveFault()) throw new Error('soak: worker receive throw');
    this.inner.receive(batch);
  }
}
