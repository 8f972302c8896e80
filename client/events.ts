/** Listeners by event name; a listener that throws is reported, never unwinding the emitter. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>();

  on<E extends keyof Events>(event: E, fn: (value: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(fn as (value: never) => void);
    return () => this.off(event, fn);
  }

  off<E extends keyof Events>(event: E, fn: (value: Events[E]) => void): void {
    this.listeners.get(event)?.delete(fn as (value: never) => void);
  }

  has(event: keyof Events): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  emit<E extends keyof Events>(event: E, value: Events[E]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const fn of set) {
      try {
        (fn as (value: Events[E]) => void)(value);
      } catch (error) {
        reportError(error);
      }
    }
  }
}

/** Rethrown on a fresh stack, as an unhandled error of the caller's program, not of the client. */
export function reportError(error: unknown): void {
  setTimeout(() => {
    throw error;
  });
}
