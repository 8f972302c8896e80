import { assertNever } from '../common/assert-never';
import type { Clock } from '../common/clock';
import type { MessageEnvelope, Notice } from '../common/envelope';
import { ENVELOPE_OVERHEAD_BYTES, messageBytes } from '../common/payload-size';
import type { ActorHandle, ActorParent, Reply } from '../actors/nact';
import { spawnActor } from '../actors/nact';
import type { Identifier } from './identifier';
import type { Pattern } from './pattern';
import type { RouterPort } from './port';
import type { JoinCandidate, StreamDirectory } from './streams';
import { RoutingTable, type LookupEntry } from './table';

/** Anything the router delivers to: a session's out-buffer. */
export interface RouteTarget {
  offer(msg: MessageEnvelope): void;
  /** The same as `offer` for each message in turn; `batch` is never changed afterwards; `bytes` is the sum of its sizes. */
  offerAll(batch: readonly MessageEnvelope[], bytes: number): void;
  /** A notice in order with the messages offered so far. */
  notice(notice: Notice): void;
  /** Scratch owned by the router: the batch being routed, and how many of its messages match. */
  routeMark: number;
  routeHits: number;
}

export interface RouterCounters {
  routed: number;
  matches: number;
  cacheSize: number;
  bindings: number;
}

export type RouterMsg =
  | { readonly type: 'wake' }
  /** `last`: the target first gets the latest message of each flowing stream it starts receiving. */
  | { readonly type: 'bind'; readonly pattern: Pattern; readonly target: RouteTarget; readonly last?: boolean }
  | { readonly type: 'unbind'; readonly pattern: Pattern; readonly target: RouteTarget }
  /** A target already bound lost what it held (a restarted worker): it gets each matching stateful stream's state again. */
  | { readonly type: 'restate'; readonly pattern: Pattern; readonly target: RouteTarget }
  | { readonly type: 'unbind-all'; readonly target: RouteTarget }
  /** A stream is gone: forget what was memoised for it. */
  | { readonly type: 'forget'; readonly id: Identifier }
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
  readonly streams: StreamDirectory;
  readonly clock: Clock;
}

/** Batches at least this long are handed whole to every target that matches all of them. */
const SHARE_FROM = 4;
/** Numbers batches for the scratch fields; global so router incarnations never reuse a mark. */
let batchMark = 0;
/** shareWhole: every target took the batch whole; nothing is left to offer one by one. */
const ALL_WHOLE = -1;
/** Distinct memo entries of the batch being routed (reused; emptied after each batch). */
const distinct: LookupEntry<RouteTarget>[] = [];

/**
 * Hands the batch whole (one shared slot, no copy) to every target that matches all of its
 * messages. Counting is per distinct identifier, then per target of each, so it costs about
 * one lookup per message. Returns 0 when no target took it whole, ALL_WHOLE when all did, or
 * the mark under which the whole takers have `routeHits === batch.length`.
 */
function shareWhole(table: RoutingTable<RouteTarget>, batch: readonly MessageEnvelope[]): number {
  const n = batch.length;
  const mark = ++batchMark;
  distinct.length = 0;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    bytes += batch[i].size ?? ENVELOPE_OVERHEAD_BYTES;
    const entry = table.entry(batch[i].id);
    if (entry.batchMark !== mark) {
      entry.batchMark = mark;
      entry.batchCount = 1;
      distinct.push(entry);
    } else entry.batchCount++;
  }
  let touched = 0;
  for (let e = 0; e < distinct.length; e++) {
    const { subs, batchCount } = distinct[e];
    for (let j = 0; j < subs.length; j++) {
      const target = subs[j];
      if (target.routeMark !== mark) {
        target.routeMark = mark;
        target.routeHits = batchCount;
        touched++;
      } else target.routeHits += batchCount;
    }
  }
  // A target that matches every message is among the first message's targets.
  const first = distinct[0].subs;
  distinct.length = 0;
  let whole = 0;
  for (let j = 0; j < first.length; j++) {
    if (first[j].routeHits === n) {
      first[j].offerAll(batch, bytes);
      whole++;
    }
  }
  return whole === 0 ? 0 : whole === touched ? ALL_WHOLE : mark;
}

function route(port: RouterPort, state: RouterState, batch: readonly MessageEnvelope[]): void {
  const table = state.table;
  const n = batch.length;
  let matches = 0;
  let i = 0;
  try {
    const mark = n >= SHARE_FROM ? shareWhole(table, batch) : 0;
    if (mark === ALL_WHOLE) {
      // Every message went to every target, and those are the first message's targets.
      matches = n * table.lookup(batch[0].id).length;
      i = n;
    } else if (mark === 0) {
      for (; i < n; i++) {
        const msg = batch[i];
        const targets = table.lookup(msg.id);
        for (let j = 0; j < targets.length; j++) targets[j].offer(msg);
        matches += targets.length;
      }
    } else {
      for (; i < n; i++) {
        const msg = batch[i];
        const targets = table.lookup(msg.id);
        // Targets that took the batch whole already have this message.
        for (let j = 0; j < targets.length; j++) if (targets[j].routeHits !== n || targets[j].routeMark !== mark) targets[j].offer(msg);
        matches += targets.length;
      }
    }
  } catch (error) {
    // The router dies on this batch: what it did not route is counted and announced, never replayed.
    port.dropped += batch.length - i;
    port.lost(batch.slice(i).map((m) => m.id));
    throw error;
  } finally {
    state.totals.routed += i;
    state.totals.matches += matches;
  }
}

/** Routes what waits in the port; gap notices go out between the messages they were pushed between. */
function drain(port: RouterPort, state: RouterState): void {
  const marks = port.takeMarks();
  const batch = port.take();
  if (marks.length === 0) return route(port, state, batch);
  let from = 0;
  for (const { at, notice } of marks) {
    if (at > from) route(port, state, batch.slice(from, at));
    from = Math.max(from, at);
    const targets = state.table.lookup(notice.id);
    for (let j = 0; j < targets.length; j++) targets[j].notice(notice);
  }
  if (from < batch.length) route(port, state, from === 0 ? batch : batch.slice(from));
}

/**
 * Binds a pattern. A target that starts receiving a flowing stateful stream first gets its
 * state; with `last`, other flowing streams give their latest message. Whatever waits in the
 * port is routed first, so what the target gets is exactly the position after the last message
 * everyone else got, and the stream's next message follows it.
 */
function bind(port: RouterPort, state: RouterState, pattern: Pattern, target: RouteTarget, last: boolean): void {
  const candidates = state.streams.joinable(pattern, last);
  if (candidates.length === 0) return state.table.bind(pattern, target);
  drain(port, state);
  const joining = candidates.filter(({ counter }) => !state.table.lookup(counter.id).includes(target));
  state.table.bind(pattern, target);
  for (const { counter, kind } of joining) {
    if (kind === 'cached') {
      if (counter.last !== undefined) target.offer({ ...counter.last, cached: true });
      continue;
    }
    offerState(state, target, counter);
  }
}

/** Like a join's state, for a target that stays bound: what waits is routed first, then the state. */
function restate(port: RouterPort, state: RouterState, pattern: Pattern, target: RouteTarget): void {
  const candidates = state.streams.joinable(pattern, false);
  if (candidates.length === 0) return;
  drain(port, state);
  for (const { counter, kind } of candidates) if (kind !== 'cached') offerState(state, target, counter);
}

function offerState(state: RouterState, target: RouteTarget, counter: JoinCandidate['counter']): void {
  const payload = counter.state?.();
  if (payload === undefined) return;
  target.offer({ type: 'message', id: counter.id, seq: counter.seq, epoch: counter.epoch, ts: state.clock.now(), eventTs: undefined, payload, size: messageBytes(payload), state: true });
}

function handle(port: RouterPort, state: RouterState, msg: RouterMsg): RouterState {
  switch (msg.type) {
    case 'wake': {
      drain(port, state);
      return state;
    }
    case 'bind':
      bind(port, state, msg.pattern, msg.target, msg.last === true);
      return state;
    case 'unbind':
      state.table.unbind(msg.pattern, msg.target);
      return state;
    case 'restate':
      restate(port, state, msg.pattern, msg.target);
      return state;
    case 'unbind-all':
      state.table.unbindAll(msg.target);
      return state;
    case 'forget':
      state.table.forget(msg.id);
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
    default:
      return assertNever(msg);
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
  streams: StreamDirectory,
  clock: Clock,
  bindings: Iterable<readonly [Pattern, RouteTarget]>,
  onCrash: (error: Error) => void,
): ActorHandle<RouterMsg> {
  const table = new RoutingTable<RouteTarget>();
  for (const [pattern, target] of bindings) table.bind(pattern, target);
  const wake: RouterMsg = { type: 'wake' };
  const router = spawnActor<RouterState, RouterMsg>(parent, name, (state, msg) => handle(port, state, msg), {
    initialState: { table, totals, streams, clock },
    onCrash: (error) => {
      port.disconnect();
      onCrash(error);
      return 'stop';
    },
  });
  port.connect(() => router.send(wake));
  return router;
}
