import { createLogger, silentLogger } from '../../common/logger';
import { DataService } from '../../data-service';
import { Gateway } from '../../gateway/server';
import { SyntheticProvider } from '../../providers/synthetic';
import { parseIdentifier } from '../../router/identifier';
import { BarsWorker } from '../../workers/bars/bars-worker';
import { BarAudit } from './bar-audit';
import { WorkerFaults } from './faulty-worker';
import { ReconnectingClient } from './reconnecting-client';
import { VenueBooks } from './venue-books';
import { Holds } from './holds';
import { LibClient } from './lib-client';
import type { SoakOptions } from './options';
import { BAR, BAR_INPUT, BAR_TICKS, PUBLISH_NS, RECONNECTING, SCRIPT } from './patterns';
import { SoakScript } from './script';
import type { SeqAudit } from './seq-audit';
import { Tally } from './tally';
import { WsClient } from './ws-client';

/** Kept short so stalls outlast it (a TIMEOUT crash) and the whole soak stays brisk. */
export const CALL_TIMEOUT_MS = 1_500;
const SCRIPT_EMIT_MS = 10;

/** Everything the chaos acts on and the checks look at. */
export interface World {
  readonly service: DataService;
  readonly gateway: Gateway;
  readonly script: SoakScript;
  /** The synthetic provider's newest incarnation. */
  synthetic(): SyntheticProvider | undefined;
  readonly lib: readonly LibClient[];
  readonly ws: readonly WsClient[];
  readonly clients: readonly (LibClient | WsClient)[];
  /** Every seq-audit lineage, including ended ones. */
  readonly audits: SeqAudit[];
  readonly holds: Holds;
  readonly tally: Tally;
  /** The `bars` worker's faults on order. */
  readonly workerFaults: WorkerFaults;
  /** One session outside the chaos holding a derived stream and its input, matched bar by bar. */
  readonly barAudit: BarAudit;
  /** Order books from a fake venue, with their audit session. */
  readonly venue: VenueBooks;
  /** Client-library clients the chaos cuts off; started with the bar audit. */
  readonly reconnecting: readonly ReconnectingClient[];
  /** Stops the script's emitter (the synthetic provider emits on its own timers). */
  stopEmitting(): void;
}

/**
 * A real service with fault injection and a real gateway on 127.0.0.1:0, a synthetic provider
 * at a modest rate and a scripted one driven by a 10 ms emitter, and the simulated clients
 * (not connected yet: the chaos creates their sessions).
 */
export async function startWorld(options: SoakOptions): Promise<World> {
  const logger = options.logLevel === 'silent' ? silentLogger() : createLogger({ level: options.logLevel });
  const service = await DataService.start({
    logger,
    faultInjection: true,
    publishNamespaces: [PUBLISH_NS],
    // Never give up within a soak: a provider marked failed would leave nothing to check.
    providerRestart: { initialBackoffMs: 20, maxBackoffMs: 250, jitter: 0.2, maxRestarts: 1_000_000, withinMs: 10_000 },
    sessionRestart: { maxRestarts: 8, withinMs: 10_000 },
    routerRestart: { maxRestarts: 1_000_000, withinMs: 10_000 },
    providerCallTimeoutMs: CALL_TIMEOUT_MS,
    sessionDefaults: { idleAfterMs: 10_000, outBuffer: 256 },
  });
  let synthetic: SyntheticProvider | undefined;
  const script = new SoakScript();
  const workerFaults = new WorkerFaults(() => new BarsWorker());
  const barAudit = new BarAudit(parseIdentifier(BAR).canonical, parseIdentifier(BAR_INPUT).canonical, BAR_TICKS);
  let gateway: Gateway | undefined;
  let venue: VenueBooks | undefined;
  try {
    await service.addProvider('synthetic', () => (synthetic = new SyntheticProvider({ seed: options.seed, defaultRate: 20, tickMs: 20 })));
    await service.addProvider(SCRIPT, script.factory);
    await service.addWorker('bars', workerFaults.factory);
    venue = await VenueBooks.start(service);
    gateway = await Gateway.start({ service, host: '127.0.0.1', port: 0, pingIntervalMs: 1_000, highWaterBytes: 256 * 1024, lowWaterBytes: 64 * 1024, logger });
  } catch (error) {
    await service.stop();
    await venue?.stop();
    throw error;
  }
  const audits: SeqAudit[] = [];
  const holds = new Holds();
  const tally = new Tally();
  const lib = Array.from({ length: options.libClients }, (_, i) => new LibClient(`lib${i}`, audits, i === 0, service, holds));
  const url = gateway.url;
  const ws = Array.from(
    { length: options.wsClients },
    (_, i) => new WsClient(`ws${i}`, audits, i === 0, url, holds, (frame) => tally.stray(String(frame.code))),
  );
  let n = 0;
  const emitter = setInterval(() => script.emitLive(++n), SCRIPT_EMIT_MS);
  return {
    service,
    gateway,
    script,
    synthetic: () => synthetic,
    lib,
    ws,
    clients: [...lib, ...ws],
    audits,
    holds,
    tally,
    workerFaults,
    barAudit,
    venue,
    reconnecting: Array.from({ length: options.reconnectClients }, (_, i) => new ReconnectingClient(`rc${i}`, url)),
    stopEmitting: () => clearInterval(emitter),
  };
}

/**
 * The reconnecting clients (steady patterns, a derived stream among them) and the bar audit's
 * session, outside the chaos (no session crash, pause or detach picks it), with
 * a buffer that never overflows, so what it misses is what the service lost. Started after the
 * idle actor count is taken, since it is closed with every other session at teardown.
 */
export async function startObservers(world: World): Promise<void> {
  await Promise.all(world.reconnecting.map((c) => c.start(RECONNECTING)));
  const observer = await world.service.newSession({ idleAfterMs: 0 });
  (await world.service.attachClient(observer, { outBuffer: 1_000_000 })).envelopes.subscribe((e) => world.barAudit.observe(e));
  await world.service.configureSession(observer, [BAR, BAR_INPUT]);
  await world.venue.audit(world.service);
}
