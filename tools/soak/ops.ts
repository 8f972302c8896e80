import type { Prng } from './prng';
import type { SimClient } from './sim-client';
import type { World } from './world';
import { CALL_TIMEOUT_MS } from './world';
import { anyPattern, PUBLISH_IDS, PUBLISH_NS, SCRIPT } from './patterns';
import type { ScriptedMethod } from '../../testkit/scripted-provider';
import { BOOK_VENUES } from './venue-books';

/** How often each operation is tried, relative to the others. */
export const WEIGHTS = {
  'lib.create': 4,
  'lib.configure': 10,
  'lib.detach': 3,
  'lib.attach': 4,
  'lib.pause': 4,
  'lib.close': 1,
  'lib.publish': 4,
  'lib.request': 2,
  'ws.create': 4,
  'ws.configure': 8,
  'ws.detach': 2,
  'ws.reattach': 4,
  'ws.stall': 3,
  'ws.vanish': 2,
  'ws.drop': 1,
  'ws.close': 1,
  'ws.publish': 3,
  'rc.cut': 2,
  'venue.drop': 1,
  'venue.break': 2,
  'crash.router': 2,
  'crash.session': 3,
  'crash.provider': 2,
  'crash.worker': 2,
  'worker.throw': 1,
  'worker.timer-throw': 1,
  'script.fail': 2,
  'script.timer-throw': 1,
  'script.fault': 2,
  'script.stall': 2,
  explain: 2,
  stats: 1,
  churn: 2,
} as const;

export type OpKind = keyof typeof WEIGHTS;

/** An operation started (a promise), or nothing eligible to act on right now. */
export type OpStart = Promise<void> | 'skip';

/**
 * Faults are also spaced in time, so the providers spend most of the run up and serving: a soak
 * that only ever sees restarting providers checks little. The scripted provider's own faults
 * share one budget.
 */
const COOLDOWN: Partial<Record<OpKind, readonly [group: string, ms: number]>> = {
  'crash.router': ['router', 1_500],
  'crash.session': ['session', 150],
  'crash.provider': ['provider', 1_500],
  'crash.worker': ['worker', 1_500],
  'worker.throw': ['worker', 1_500],
  'worker.timer-throw': ['worker', 1_500],
  'rc.cut': ['rc', 300],
  'venue.drop': ['venue', 2_500],
  'venue.break': ['venue-break', 700],
  'script.fail': ['script', 1_200],
  'script.timer-throw': ['script', 1_200],
  'script.fault': ['script', 1_200],
  'script.stall': ['script', 1_200],
};

const FAULT_METHODS: readonly ScriptedMethod[] = ['subscribe', 'unsubscribe', 'expand', 'start', 'request'];
const STALL_METHODS: readonly ScriptedMethod[] = ['subscribe', 'unsubscribe', 'expand'];

/** Builds the operation table over one world; `start(kind)` begins one operation of that kind. */
export function operations(world: World, prng: Prng): (kind: OpKind) => OpStart {
  const last = new Map<string, number>();
  const { service, script, tally } = world;
  let churned = 0;

  /**
   * What a careless or hostile client does to memory: a session made and closed at once, a run
   * of ids published once each and never again, and one large payload to the ids the soak's
   * clients watch (so slow ones buffer it).
   */
  async function churn(): Promise<void> {
    const sessionId = await service.newSession({ idleAfterMs: prng.pick([0, 1_000]) });
    try {
      const client = await service.attachClient(sessionId);
      client.envelopes.subscribe();
      for (let i = 0; i < 20; i++) await client.publish(`${PUBLISH_NS}::churn.id${churned++}`, { n: i });
      await client.publish(prng.pick(PUBLISH_IDS), { from: 'churn', at: Date.now(), pad: 'x'.repeat(prng.pick([1_000, 16_000, 64_000])) });
    } finally {
      await service.closeSession(sessionId);
    }
  }

  /** Runs `act` on a random idle client that `eligible` accepts; the client is busy meanwhile. */
  function on<C extends SimClient>(clients: readonly C[], eligible: (c: C) => boolean, act: (c: C) => Promise<void> | void): OpStart {
    const free = clients.filter((c) => !c.busy && eligible(c));
    if (free.length === 0) return 'skip';
    const client = prng.pick(free);
    client.busy = true;
    return Promise.resolve()
      .then(() => act(client))
      .finally(() => {
        client.busy = false;
      });
  }

  /** `inject` answers false when there was nothing to inject into (not counted). */
  function fault(kind: string, inject: () => Promise<void> | void | false): Promise<void> {
    return Promise.resolve()
      .then(inject)
      .then((done) => {
        if (done !== false) tally.fault(kind);
      });
  }

  const attached = (c: SimClient): boolean => c.state === 'attached';
  const detached = (c: SimClient): boolean => c.state === 'detached';
  const idle = (c: SimClient): boolean => c.state === 'idle';
  const table: Record<OpKind, () => OpStart> = {
    'lib.create': () => on(world.lib, idle, (c) => c.create(prng)),
    'lib.configure': () => on(world.lib, (c) => c.mayConfigure, (c) => c.configure(prng)),
    'lib.detach': () => on(world.lib, attached, (c) => c.detach()),
    'lib.attach': () => on(world.lib, detached, (c) => c.attach(prng)),
    'lib.pause': () => on(world.lib, (c) => attached(c) && !c.paused, (c) => c.pauseFor(prng.int(100, 2_000))),
    'lib.close': () => on(world.lib, (c) => c.state !== 'idle', (c) => c.close()),
    'lib.publish': () => on(world.lib, attached, (c) => c.publish(prng)),
    'lib.request': () => on(world.lib, attached, (c) => c.request(prng)),
    'ws.create': () => on(world.ws, idle, (c) => c.create(prng)),
    'ws.configure': () => on(world.ws, (c) => attached(c) && c.mayConfigure, (c) => c.configure(prng)),
    'ws.detach': () => on(world.ws, attached, (c) => c.detach()),
    'ws.reattach': () => on(world.ws, detached, (c) => c.reattach(prng)),
    'ws.stall': () => {
      const free = world.ws.filter((c) => !c.busy && attached(c));
      if (free.length === 0) return 'skip';
      prng.pick(free).stall(prng.int(200, 3_000));
      return Promise.resolve();
    },
    'ws.vanish': () => on(world.ws, attached, (c) => c.vanish()),
    'ws.drop': () => on(world.ws, attached, (c) => c.drop()),
    'ws.close': () => on(world.ws, attached, (c) => c.close()),
    'ws.publish': () => on(world.ws, attached, (c) => c.publish(prng)),
    'rc.cut': () => {
      const live = world.reconnecting.filter((c) => c.connected);
      if (live.length === 0) return 'skip';
      return fault('client:socket-cut', () => prng.pick(live).cut());
    },
    'crash.router': () => fault('router', () => service.crash('router')),
    'crash.session': () => {
      const withSession = world.clients.filter((c) => c.sessionId !== undefined);
      if (withSession.length === 0) return 'skip';
      const sessionId = prng.pick(withSession).sessionId!;
      return fault('session', () => service.crash({ session: sessionId })).then(() => {
        for (const c of world.clients) if (c.sessionId === sessionId) c.audit.note('session crash injected');
      });
    },
    'crash.provider': () => {
      const provider = prng.pick(['synthetic', SCRIPT]);
      return fault(`provider:${provider}`, () => service.crash({ provider }));
    },
    'crash.worker': () => {
      const worker = prng.pick(['bars', 'books']);
      return fault(`worker:crash-${worker}`, () => service.crash({ worker }));
    },
    'worker.throw': () => fault('worker:receive-throw', () => world.workerFaults.throwNextReceive()),
    'worker.timer-throw': () => fault('worker:timer-throw', () => world.workerFaults.throwFromTimer(prng.int(0, 50))),
    'venue.drop': () => {
      const venue = prng.pick(BOOK_VENUES);
      return fault(`venue:${venue}-drop`, () => world.venue.dropConnections(venue));
    },
    'venue.break': () => {
      if (world.venue.holding) return 'skip';
      const venue = prng.pick(BOOK_VENUES);
      return fault(`venue:${venue}-book-break`, () => world.venue.breakBook(venue, prng.int(0, 99)));
    },
    // Between incarnations (a restart under way) there is no context to fail.
    'script.fail': () => fault('script:ctx.fail', () => script.running && script.fail(new Error('soak: ctx.fail'))),
    'script.timer-throw': () => fault('script:timer-throw', () => script.running && script.throwFromTimer(new Error('soak: timer throw'), prng.int(0, 50))),
    'script.fault': () => {
      const method = prng.pick(FAULT_METHODS);
      const how = prng.pick(['throw', 'reject'] as const);
      return fault(`script:${how}-in-${method}`, () => script.failNext(method, how, new Error(`soak: ${how} in ${method}`)));
    },
    'script.stall': () => {
      const method = prng.pick(STALL_METHODS);
      const ms = prng.int(20, Math.round(CALL_TIMEOUT_MS * 1.6));
      return fault(`script:stall-${method}`, () => world.holds.after(ms, script.stall(method)));
    },
    explain: () => service.explain(anyPattern(prng)).then(() => undefined),
    stats: () => service.stats().then(() => undefined),
    churn: () => churn(),
  };

  return (kind) => {
    const cooldown = COOLDOWN[kind];
    if (cooldown !== undefined) {
      const [group, ms] = cooldown;
      const now = Date.now();
      if (now - (last.get(group) ?? -Infinity) < ms) return 'skip';
      last.set(group, now);
    }
    return table[kind]();
  };
}
