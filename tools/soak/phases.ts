import type { ServiceStats } from '../../common/service-types';
import type { ActorCensus } from './actor-census';
import { awaitFlow, providersRunning, settledSubscriptions, type SubscriptionDiff } from './checks';
import { until } from './holds';
import type { Prng } from './prng';
import type { World } from './world';

/** What the checks after the chaos found, as plain data (no reference into the world). */
export interface AfterChaos {
  readonly running: boolean;
  readonly subscriptions: SubscriptionDiff;
  readonly flow: { readonly checked: number; readonly stalled: readonly string[] };
  /** Reconnecting clients not connected, or not receiving, after the chaos. */
  readonly reconnectStalled: readonly string[];
  readonly stats: ServiceStats;
}

export interface AfterTeardown {
  /** Provider subscriptions once every session was closed (all should be gone). */
  readonly leftoverStreams: readonly string[];
  readonly idleActors: number;
  readonly actorsAfterClose: number;
  readonly actorsAfterStop: number;
  readonly systemsAfterStop: number;
  readonly socketsOpen: number;
  readonly gatewayConnections: number;
}

const SETTLE_MS = 20_000;

/**
 * Ends the chaos and lets the service settle: no new faults (queued ones are swallowed, stalls
 * released), every paused client resumed, every client whose session waits for it re-attached
 * (which also checks that a re-attach gets the buffer first), every provider running. Then the
 * checks that need a live service: subscriptions (invariant 1) and flow after the chaos.
 */
export async function quietAndCheck(world: World, prng: Prng): Promise<AfterChaos> {
  world.script.calm = true;
  world.workerFaults.calm = true;
  world.script.releaseStalls();
  world.holds.runAll();
  for (const client of world.clients) {
    if (client.state !== 'detached') continue;
    try {
      if (client.kind === 'lib') await client.attach(prng);
      else await client.reattach(prng);
    } catch {
      // The session may have gone idle meanwhile; the client is retired then.
    }
  }
  let running = true;
  try {
    await providersRunning(world, SETTLE_MS);
  } catch {
    running = false;
  }
  const subscriptions = await settledSubscriptions(world, SETTLE_MS);
  const flow = await awaitFlow(world, SETTLE_MS);
  const reconnectStalled = await reconnectedAndFlowing(world, SETTLE_MS);
  // Last, as it holds the venue's books still (no new book messages from here on).
  await world.venue.finalCheck(SETTLE_MS);
  const stats = await world.service.stats();
  return { running, subscriptions, flow, reconnectStalled, stats };
}

/** Every reconnecting client connected again and receiving: the names of those that are not. */
async function reconnectedAndFlowing(world: World, timeoutMs: number): Promise<string[]> {
  const from = new Map(world.reconnecting.map((c) => [c, c.messages]));
  const stalled = (): string[] => world.reconnecting.filter((c) => !c.connected || c.messages <= (from.get(c) ?? 0)).map((c) => `${c.name}${c.connected ? '' : ' (not connected)'}`);
  try {
    await until(() => (stalled().length === 0 ? true : undefined), timeoutMs, 'every reconnecting client back and receiving', 20);
  } catch {
    // Reported.
  }
  return stalled();
}

/**
 * Closes every session (the providers must then let go of every stream and every session actor
 * must stop), closes every socket, the gateway and the service.
 */
export async function teardown(world: World, actors: ActorCensus, idleActors: number): Promise<AfterTeardown> {
  // First, or a client whose session closed under it would make a new one.
  await Promise.all(world.reconnecting.map((c) => c.stop().catch(() => undefined)));
  const { sessions } = await world.service.stats();
  await Promise.all(sessions.map((s) => world.service.closeSession(s.id).catch(() => undefined)));
  const leftover = await settledSubscriptions(world, SETTLE_MS);
  try {
    await until(() => (actors.liveActors() === idleActors ? true : undefined), SETTLE_MS, 'session actors to stop', 20);
  } catch {
    // Reported as a leak.
  }
  const actorsAfterClose = actors.liveActors();
  world.stopEmitting();
  await Promise.all(world.ws.map((c) => c.hangUp()));
  await world.gateway.close();
  await world.service.stop();
  await world.venue.stop();
  world.holds.runAll();
  const sockets = world.ws.flatMap((c) => c.sockets);
  return {
    leftoverStreams: [...leftover.missing, ...leftover.extra],
    idleActors,
    actorsAfterClose,
    actorsAfterStop: actors.liveActors(),
    systemsAfterStop: actors.systemsRunning(),
    socketsOpen: sockets.filter((s) => s.readyState !== 3).length,
    gatewayConnections: world.gateway.connectionCount,
  };
}
