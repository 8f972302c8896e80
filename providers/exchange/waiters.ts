export interface StreamRejection {
  readonly stream: string;
  readonly reason: string;
}

interface Waiter {
  readonly remaining: Set<string>;
  readonly failed: StreamRejection[];
  readonly resolve: (failed: StreamRejection[]) => void;
  cancel: () => void;
}

/** Callers of `subscribe` waiting for each of their streams to be confirmed or refused. */
export class Waiters {
  private readonly waiting = new Set<Waiter>();

  /**
   * Waits for `streams`; `onTimeout` receives those still open after `timeoutMs` and must settle
   * them. Resolves with the refused streams.
   */
  wait(
    streams: Iterable<string>,
    timeoutMs: number,
    setTimeout: (callback: () => void, ms: number) => () => void,
    onTimeout: (open: string[]) => void,
  ): Promise<StreamRejection[]> {
    return new Promise((resolve) => {
      const waiter: Waiter = { remaining: new Set(streams), failed: [], resolve, cancel: () => {} };
      if (waiter.remaining.size === 0) return resolve([]);
      this.waiting.add(waiter);
      waiter.cancel = setTimeout(() => onTimeout([...waiter.remaining]), timeoutMs);
    });
  }

  /** Whether some caller is still waiting for `stream`. */
  has(stream: string): boolean {
    for (const w of this.waiting) if (w.remaining.has(stream)) return true;
    return false;
  }

  /** `stream` is confirmed (no failure) or refused (with the reason). */
  settle(stream: string, failure: string | undefined): void {
    for (const waiter of this.waiting) {
      if (!waiter.remaining.delete(stream)) continue;
      if (failure !== undefined) waiter.failed.push({ stream, reason: failure });
      if (waiter.remaining.size === 0) {
        this.waiting.delete(waiter);
        waiter.cancel();
        waiter.resolve(waiter.failed);
      }
    }
  }

  failAll(reason: string): void {
    for (const waiter of [...this.waiting]) for (const s of [...waiter.remaining]) this.settle(s, reason);
  }
}
