import { DelegatingWorker } from '../../testkit/delegating-worker';
import type { InputMessage, Worker, WorkerFactory } from '../../workers/contract';

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

class FaultyWorker extends DelegatingWorker {
  constructor(
    inner: Worker,
    private readonly faults: WorkerFaults,
  ) {
    super(inner);
  }

  arm(ms: number): void {
    const faults = this.faults;
    this.ctx?.setTimeout(() => {
      if (!faults.calm) throw new Error('soak: worker timer throw');
    }, ms);
  }

  override receive(batch: readonly InputMessage[]): void {
    if (this.faults.takeReceiveFault()) throw new Error('soak: worker receive throw');
    super.receive(batch);
  }
}
