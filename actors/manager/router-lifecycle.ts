import { CrashWindow } from '../../common/backoff';
import type { Clock } from '../../common/clock';
import { TesseraError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { RestartPolicy, RouterStats } from '../../common/service-types';
import type { Pattern } from '../../router/pattern';
import { RouterPort } from '../../router/port';
import type { RouteTarget, RouterMsg } from '../../router/router-actor';
import { spawnRouter } from '../../router/router-actor';
import type { StreamDirectory } from '../../router/streams';
import type { ActorParent } from '../nact';
import type { ActorHandle } from '../nact';

export interface RouterEnv {
  readonly parent: ActorParent;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly restart: Pick<RestartPolicy, 'maxRestarts' | 'withinMs'>;
  readonly callTimeoutMs: number;
  readonly streams: StreamDirectory;
  /** The bindings a new incarnation starts from: the manager's state. */
  readonly bindings: () => Iterable<readonly [Pattern, RouteTarget]>;
  /** A crash travels through the manager's mailbox, tagged with its incarnation. */
  readonly crashed: (incarnation: number, error: Error) => void;
  readonly fatal: (error: Error) => void;
}

/**
 * The router's life: its current incarnation, restarts (at once, table rebuilt from the manager's
 * bindings) within its own crash window, the barrier configure waits on, and its counters. The
 * port outlives every incarnation, so emits during a restart wait in it.
 */
export class RouterLifecycle {
  readonly port = new RouterPort();
  private router: ActorHandle<RouterMsg> | null = null;
  private incarnation = 0;
  private restarts = 0;
  private readonly totals = { routed: 0, matches: 0 };
  private readonly crashes: CrashWindow;

  constructor(private readonly env: RouterEnv) {
    this.crashes = new CrashWindow(env.restart);
    this.start();
  }

  send(msg: RouterMsg): void {
    this.router?.send(msg);
  }

  crash(): void {
    this.router?.send({ type: 'crash', error: new Error('fault injection: router crash') });
  }

  /** A crash of incarnation `incarnation`; stale reports (and any after `stop`) are ignored. */
  crashed(incarnation: number, error: Error): void {
    if (incarnation !== this.incarnation || this.router === null) return;
    if (this.crashes.record(this.env.clock.now())) {
      this.env.fatal(new Error(`router crashed ${this.crashes.count} times within ${this.env.restart.withinMs} ms: ${error.message}`));
      return;
    }
    this.env.logger.warn('router crashed; rebuilding it from the sessions', { error: error.message });
    this.restarts++;
    this.start();
  }

  /** Resolves once the router has handled everything sent before (skipped while it restarts). */
  async barrier(): Promise<void> {
    const router = this.router;
    if (router === null) return;
    await router
      .ask<void>((reply) => ({ type: 'sync', reply }), this.env.callTimeoutMs, () => new Error('router sync timed out'), () => new Error('router gone'))
      .catch(() => undefined);
  }

  /** The router's counters; zeros while it restarts or does not answer. */
  async stats(): Promise<RouterStats> {
    const zero = { routed: 0, matches: 0, cacheSize: 0, bindings: 0 };
    const counters = await (this.router?.ask<typeof zero>(
      (reply) => ({ type: 'counters', reply }),
      this.env.callTimeoutMs,
      () => new TesseraError('TIMEOUT', 'router did not answer'),
      () => new Error('router restarting'),
    ) ?? Promise.reject(new Error('router restarting'))).catch(() => zero);
    return { ...counters, dropped: this.port.dropped, restarts: this.restarts };
  }

  stop(error: Error): void {
    this.router?.stop(error);
    this.router = null;
    this.port.close();
  }

  private start(): void {
    const incarnation = ++this.incarnation;
    this.router = spawnRouter(this.env.parent, `router-${incarnation}`, this.port, this.totals, this.env.streams, this.env.clock, this.env.bindings(), (error) => this.env.crashed(incarnation, error));
  }
}
