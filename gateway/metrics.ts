import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ProviderState, ServiceStats } from '../common/service-types';
import type { GatewayCounters } from './counters';

const STATES: readonly ProviderState[] = ['starting', 'running', 'restarting', 'failed', 'stopping'];

/** A provider or worker as stats list it (workers have the same fields). */
interface HostedStats {
  readonly name: string;
  readonly state: string;
  readonly streams?: number;
  readonly msgs: number;
  readonly restarts: number;
}

/** Process and event-loop metrics, one set per process however many gateways it runs. */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The metrics of one kind of hosted actor (providers, workers), labelled by name only. */
class HostedMetrics {
  private readonly state: Gauge;
  private readonly streams: Gauge;
  private readonly msgs: Counter;
  private readonly restarts: Counter;
  private readonly kind: string;

  constructor(kind: 'provider' | 'worker', registers: Registry[]) {
    const labelNames = [kind];
    this.state = new Gauge({ name: `tessera_${kind}_state`, help: `1 for the ${kind}'s current state, 0 for the others`, labelNames: [kind, 'state'], registers });
    this.streams = new Gauge({ name: `tessera_${kind}_streams`, help: `Streams the ${kind} has flowing`, labelNames, registers });
    this.msgs = new Counter({ name: `tessera_${kind}_messages_total`, help: `Messages the ${kind} emitted`, labelNames, registers });
    this.restarts = new Counter({ name: `tessera_${kind}_restarts_total`, help: `Times the ${kind} was restarted`, labelNames, registers });
    this.kind = kind;
  }

  set(all: readonly HostedStats[]): void {
    for (const metric of [this.state, this.streams, this.msgs, this.restarts]) metric.reset();
    for (const h of all) {
      const labels = { [this.kind]: h.name };
      for (const state of STATES) this.state.set({ ...labels, state }, h.state === state ? 1 : 0);
      if (h.streams !== undefined) this.streams.set(labels, h.streams);
      this.msgs.inc(labels, h.msgs);
      this.restarts.inc(labels, h.restarts);
    }
  }
}

/**
 * `/metrics` for one gateway: the service's stats and the gateway's own counters, read at scrape
 * time into prom-client metrics. Labels name providers and workers, never a stream or a session
 * (their number is unbounded).
 */
export class GatewayMetrics {
  private readonly registry = new Registry();
  private readonly providers: HostedMetrics;
  private readonly workers: HostedMetrics;
  private readonly gauges: Record<'sessions' | 'attached' | 'buffered' | 'bufferedMax' | 'fillMax' | 'bindings' | 'connections' | 'streams', Gauge>;
  private readonly counters: Record<'routed' | 'routerDropped' | 'routerRestarts' | 'delivered' | 'dropped' | 'framesIn' | 'framesOut' | 'bytesOut' | 'pauses' | 'rateLimited', Counter>;
  private readonly refused: Counter;
  private readonly workerInputs: { readonly received: Counter; readonly dropped: Counter };
  private readonly books: { readonly inSync: Gauge; readonly resyncs: Counter; readonly delayed: Counter };
  private rendering: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly gateway: GatewayCounters,
    private readonly connections: () => number,
  ) {
    const registers = [this.registry];
    const gauge = (name: string, help: string): Gauge => new Gauge({ name: `tessera_${name}`, help, registers });
    const counter = (name: string, help: string): Counter => new Counter({ name: `tessera_${name}_total`, help, registers });
    this.providers = new HostedMetrics('provider', registers);
    this.workers = new HostedMetrics('worker', registers);
    this.gauges = {
      streams: gauge('streams', 'Streams flowing now'),
      sessions: gauge('sessions', 'Sessions open now'),
      attached: gauge('sessions_attached', 'Sessions with a client attached'),
      buffered: gauge('session_buffered_messages', 'Messages waiting in session out-buffers, all sessions together'),
      bufferedMax: gauge('session_buffered_messages_max', 'Messages waiting in the fullest session out-buffer'),
      fillMax: gauge('session_buffer_fill_ratio_max', 'How full the fullest session out-buffer is, 0 to 1'),
      bindings: gauge('router_bindings', 'Patterns bound in the routing table'),
      connections: gauge('gateway_connections', 'Open WebSocket connections'),
    };
    this.counters = {
      routed: counter('router_routed', 'Messages the router routed'),
      routerDropped: counter('router_dropped', 'Messages dropped while the router restarted'),
      routerRestarts: counter('router_restarts', 'Times the router was restarted'),
      delivered: counter('session_delivered', 'Messages delivered to clients, closed sessions included'),
      dropped: counter('session_dropped', 'Messages sessions dropped on overflow, closed sessions included'),
      framesIn: counter('gateway_frames_in', 'Frames received from clients'),
      framesOut: counter('gateway_frames_out', 'Frames sent to clients'),
      bytesOut: counter('gateway_bytes_out', 'Bytes of frames sent to clients'),
      pauses: counter('gateway_backpressure_pauses', 'Times a full socket send buffer paused its session'),
      rateLimited: counter('gateway_rate_limited_frames', 'Frames refused by the per-connection rate limits'),
    };
    this.workerInputs = {
      received: new Counter({ name: 'tessera_worker_inputs_received_total', help: 'Input messages delivered to the worker', labelNames: ['worker'], registers }),
      dropped: new Counter({ name: 'tessera_worker_inputs_dropped_total', help: 'Input messages the worker lost (each announced by a gap notice)', labelNames: ['worker'], registers }),
    };
    this.books = {
      inSync: new Gauge({ name: 'tessera_provider_books_in_sync', help: 'Order books (<symbol>.book) in sync now', labelNames: ['provider'], registers }),
      resyncs: new Counter({ name: 'tessera_provider_book_resyncs_total', help: 'Order book resyncs (each announced by a gap notice once the book had been sent), by reason', labelNames: ['provider', 'reason'], registers }),
      delayed: new Counter({ name: 'tessera_provider_book_resyncs_delayed_total', help: 'Order book resyncs held back because the symbol kept breaking', labelNames: ['provider'], registers }),
    };
    this.refused = new Counter({ name: 'tessera_gateway_upgrades_refused_total', help: 'WebSocket upgrades refused, by reason', labelNames: ['reason'], registers });
  }

  /** The text exposition (one scrape at a time, so two never interleave their updates). */
  render(stats: ServiceStats): Promise<string> {
    const run = async (): Promise<string> => {
      this.update(stats);
      return (await processMetrics().metrics()) + (await this.registry.metrics());
    };
    const done = this.rendering.then(run, run);
    this.rendering = done.catch(() => undefined);
    return done;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Book figures from the providers that keep books (their `details.books`, see the exchange base). */
  private setBooks(stats: ServiceStats): void {
    for (const metric of [this.books.inSync, this.books.resyncs, this.books.delayed]) metric.reset();
    for (const p of stats.providers) {
      const details = p.details as { booksInSync?: unknown; books?: { resyncsBy?: unknown; delayedResyncs?: unknown } } | undefined;
      const books = details?.books;
      if (typeof details?.booksInSync !== 'number' || typeof books !== 'object' || books === null) continue;
      const labels = { provider: p.name };
      this.books.inSync.set(labels, details.booksInSync);
      if (typeof books.delayedResyncs === 'number') this.books.delayed.inc(labels, books.delayedResyncs);
      if (typeof books.resyncsBy !== 'object' || books.resyncsBy === null) continue;
      for (const [reason, n] of Object.entries(books.resyncsBy)) if (typeof n === 'number') this.books.resyncs.inc({ ...labels, reason }, n);
    }
  }

  private update(stats: ServiceStats): void {
    this.providers.set(stats.providers);
    this.workers.set(stats.workers);
    this.workerInputs.received.reset();
    this.workerInputs.dropped.reset();
    for (const w of stats.workers) {
      this.workerInputs.received.inc({ worker: w.name }, w.received);
      this.workerInputs.dropped.inc({ worker: w.name }, w.dropped);
    }
    this.setBooks(stats);
    const g = this.gauges;
    g.streams.set([...stats.providers, ...stats.workers].reduce((sum, h) => sum + h.streams, 0));
    const t = stats.sessionTotals;
    g.sessions.set(t.open);
    g.attached.set(t.attached);
    g.buffered.set(t.buffered);
    g.bufferedMax.set(t.maxBuffered);
    g.fillMax.set(t.maxFill);
    g.bindings.set(stats.router.bindings);
    g.connections.set(this.connections());
    const totals: Record<keyof GatewayMetrics['counters'], number> = {
      routed: stats.router.routed,
      routerDropped: stats.router.dropped,
      routerRestarts: stats.router.restarts,
      delivered: stats.sessionTotals.delivered,
      dropped: stats.sessionTotals.dropped,
      framesIn: this.gateway.framesIn,
      framesOut: this.gateway.framesOut,
      bytesOut: this.gateway.bytesOut,
      pauses: this.gateway.backpressurePauses,
      rateLimited: this.gateway.rateLimited,
    };
    // The sources are running totals already: the counters take their values as they are.
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) {
      this.counters[key].reset();
      this.counters[key].inc(totals[key]);
    }
    this.refused.reset();
    for (const [reason, count] of this.gateway.refusedUpgrades) this.refused.inc({ reason }, count);
  }
}
