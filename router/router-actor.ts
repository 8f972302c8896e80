import type { MessageEnvelope } from '../common/envelope';
import type { ActorHandle, ActorParent, Reply } from '../actors/nact';
import { spawnActor } from '../actors/nact';
import type { Pattern } from './pattern';
import type { RouterPort } from './port';
import { RoutingTable } from './table';

/** Anything the router delivers to: a session's out-buffer. */
export interface RouteTarget {
  offer(msg: MessageEnvelope): void;
}

export interface RouterCounters {
  routed: number;
  matches: number;
  cacheSize: number;
  bindings: number;
}

export type RouterMsg =
  | { readonly type: 'wake' }
  | { readonly type: 'bind'; readonly pattern: Pattern; readonly target: RouteTarget }
  | { readonly type: 'unbind'; readonly pattern: Pattern; readonly target: RouteTarget }
  | { readonly type: 'unbind-all'; readonly target: RouteTarget }
  /** Answers once every message sent before it has been handled. */
  | { readonly type: 'sync'; readonly reply: Reply<void> }
  | { readonly type: 'counters'; readonly reply: Reply<RouterCounters> }
  | { readonly type: 'crash'; readonly error: Error };

/** Totals that outlive router incarnations (owned by the manager). */
export interface RouteTotals {
  routed: number;
  matches: number;
}

interface RouterState {
  readonly table: RoutingTable<RouteTarget>;
  readonly totals: RouteTotals;
}

function route(port: RouterPort, state: RouterState, batch: readonly MessageEnvelope[]): void {
  const table = state.table;
  let matches = 0;
  let i = 0;
  try {
    for (; i < batch.length; i++) {
      const msg = batch[i];
      const targets = table.lookup(msg.id);
      for (let j = 0; j < targets.length; j++) targets[j].offer(msg);
      matches += targets.length;
    }
  } catch (error) {
    // The router dies on this batch: what it did not route is counted, never replayed.
    port.dropped += batch.length - i;
    throw error;
  } finally {
    state.totals.routed += i;
    state.totals.matches += matches;
  }
}

function handle(port: RouterPort, state: RouterState, msg: RouterMsg): RouterState {
  switch (msg.type) {
    case 'wake': {
      const batch = port.take();
      try {
        route(port, state, batch);
      } finally {
        port.release(batch);
      }
      return state;
    }
    case 'bind':
      state.table.bind(msg.pattern, msg.target);
      return state;
    case 'unbind':
      state.table.unbind(msg.pattern, msg.target);
      return state;
    case 'unbind-all':
      state.table.unbindAll(msg.target);
      return state;
    case 'sync':
      msg.reply.resolve();
      return state;
    case 'counters':
      msg.reply.resolve({
        routed: state.totals.routed,
        matches: state.totals.matches,
        cacheSize: state.table.cacheSize,
        bindings: state.table.bindingCount,
      });
      return state;
    case 'crash':
      throw msg.error;
  }
}

/**
 * Spawns a router incarnation whose table starts from `bindings` (the manager's state) and
 * connects it to the port. The router is childless: nact copies a parent's children on every
 * message, and this actor handles the busiest mailbox.
 */
export function spawnRouter(
  parent: ActorParent,
  name: string,
  port: RouterPort,
  totals: RouteTotals,
  bindings: Iterable<readonly [Pattern, RouteTarget]>,
  onCrash: (error: Error) => void,
): ActorHandle<RouterMsg> {
  const table = new RoutingTable<RouteTarget>();
  for (const [pattern, target] of bindings) table.bind(pattern, target);
  const wake: RouterMsg = { type: 'wake' };
  const router = spawnActor<RouterState, RouterMsg>(parent, name, (state, msg) => handle(port, state, msg), {
    initialState: { table, totals },
    onCrash: (error) => {
      port.disconnect();
      onCrash(error);
      return 'stop';
    },
  });
  port.connect(() => router.send(wake));
  return router;
}
