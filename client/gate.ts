/** Lets callers wait for the connection; rejects them when the client closes instead. */
export class Gate {
  promise: Promise<void> = Promise.resolve();
  private settle: { resolve: () => void; reject: (error: Error) => void } | undefined;

  /** From now on callers wait (a reconnect is under way). */
  shut(): void {
    if (this.settle) return;
    this.promise = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.promise.catch(() => undefined);
  }

  open(): void {
    this.settle?.resolve();
    this.settle = undefined;
  }

  /** Every waiter, present and future, gets `error`. */
  fail(error: Error): void {
    this.settle?.reject(error);
    this.settle = undefined;
    this.promise = Promise.reject(error);
    this.promise.catch(() => undefined);
  }
}
