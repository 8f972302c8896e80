/**
 * Deferred actions of the chaos (resume a paused client after a while, release a stalled
 * provider call). All are tracked so the quiet phase can run every one of them at once and
 * nothing is left armed when the soak ends.
 */
export class Holds {
  private readonly pending = new Map<ReturnType<typeof setTimeout>, () => void>();

  after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      action();
    }, ms);
    this.pending.set(timer, action);
  }

  /** Runs every pending action now (in the order they were armed). */
  runAll(): void {
    const actions = [...this.pending];
    this.pending.clear();
    for (const [timer, action] of actions) {
      clearTimeout(timer);
      action();
    }
  }

  get size(): number {
    return this.pending.size;
  }
}

/** Workload pacing only (think time between operations, retry backoff); never used to wait for a result. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value; rejects after `timeoutMs`, saying what it waited for. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(everyMs);
  }
}

/** Waits for `work`, but no longer than `ms`; true if it finished. */
export function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
