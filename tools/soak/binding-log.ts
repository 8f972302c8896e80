import type { Pattern } from '../../router/pattern';
import { matchesAny } from './patterns';

interface Window {
  readonly start: number;
  /** Infinity while the configure runs, and after it if nobody knows whether it took effect. */
  end: number;
  /** Patterns the configure kept: their streams stayed bound throughout (configure binds the new patterns before unbinding the old). */
  readonly kept: readonly Pattern[];
}

/** Windows older than this are forgotten; a gap reaching back before them counts as unbound. */
const HORIZON_MS = 120_000;

/**
 * When a session's pattern set changed, as seen by its client: each configure is a window from
 * the call to its answer. A message routed under the old set can be delivered long after the
 * answer (it waited in the session's buffer), and a message emitted before a call can be routed
 * after it (it waited in the router's port), so a gap between two messages of a stream is a
 * binding gap exactly when some window that did not keep the stream ends after the earlier
 * message's `ts` and starts before the later message arrived.
 */
export class BindingLog {
  private windows: Window[] = [];
  private floor = -Infinity;

  open(kept: readonly Pattern[]): Window {
    const window: Window = { start: Date.now(), end: Infinity, kept };
    this.windows.push(window);
    this.prune();
    return window;
  }

  /** The configure answered: it ends here, and so does any earlier one whose outcome was unknown. */
  applied(window: Window): void {
    const now = Date.now();
    for (const w of this.windows) if (w.end === Infinity && w.start <= window.start) w.end = now;
    window.end = now;
  }

  /** The configure failed with a documented code: nothing changed (configure is atomic). */
  refused(window: Window): void {
    this.windows = this.windows.filter((w) => w !== window);
  }

  /** Whether stream `id` may have been unbound at some point since service time `sinceTs`. */
  interrupted(id: string, sinceTs: number): boolean {
    if (sinceTs < this.floor) return true;
    const now = Date.now();
    return this.windows.some((w) => w.end >= sinceTs && w.start <= now && !matchesAny(w.kept, id));
  }

  private prune(): void {
    const cutoff = Date.now() - HORIZON_MS;
    const old = this.windows.filter((w) => w.end < cutoff);
    if (old.length === 0) return;
    this.floor = Math.max(this.floor, ...old.map((w) => w.end));
    this.windows = this.windows.filter((w) => w.end >= cutoff);
  }
}
