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

interface RouterState {
  readonly table: RoutingTable<RouteTarget>;
  routed: number;
  matches: number;
}

function route(state: RouterState, batch: readonly MessageEnvelope[]): void {
  const table = state.table;
  let matches = 0;
  for (let i = 0; i < batch.length; i++) {
    const msg = batch[i];
    const targets = table.lookup(msg.id);
    for (let j = 0; j < targets.length; j++) targets[j].offer(msg);
    matches += targets.length;
  }
  state.routed += batch.length;
  state.matches += matches;
}

function handle(port: RouterPort, state: RouterState, msg: RouterMsg): RouterState {
  switch (msg.type) {
    case 'wake': {
      const batch = port.take();
      route(state, batch);
      port.release(batch);
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
        routed: state.routed,
        matches: state.matches,
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
  bindings: Iterable<readonly [Pattern, RouteTarget]>,
  onCrash: (error: Error) => void,
): ActorHandle<RouterMsg> {
  const table = new RoutingTable<RouteTarget>();
  for (const [pattern, target] of bindings) table.bind(pattern, target);
  const wake: RouterMsg = { type: 'wake' };
  const router = spawnActor<RouterState, RouterMsg>(parent, name, (state, msg) => handle(port, state, msg), {
    initialState: { table, routed: 0, matches: 0 },
    onCrash: (error) => {
      port.disconnect();
      onCrash(error);
      return 'stop';
    },
  });
  port.connect(() => router.send(wake));
  return router;
}
