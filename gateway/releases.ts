/**
 * Detaches still in flight for sockets that closed. A client that reconnects at once may send
 * its attach before the old socket's detach has reached the service; the attach waits for it
 * instead of failing with CLIENT_ALREADY_ATTACHED.
 */
export class Releases {
  private readonly inFlight = new Map<string, Promise<void>>();

  /** Records the detach of `sessionId`; it never rejects. */
  track(sessionId: string, detach: Promise<void>): void {
    const done = detach.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(sessionId, done);
    void done.then(() => {
      if (this.inFlight.get(sessionId) === done) this.inFlight.delete(sessionId);
    });
  }

  /** Resolves once no detach of `sessionId` is in flight. */
  settled(sessionId: string): Promise<void> {
    return this.inFlight.get(sessionId) ?? Promise.resolve();
  }

  /** Resolves once every detach in flight now has finished. */
  all(): Promise<void> {
    return Promise.all(this.inFlight.values()).then(() => undefined);
  }
}
