import type { Identifier } from '../../router/identifier';
import { parseIdentifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import { parsePattern } from '../../router/pattern';
import type { Prng } from './prng';

/** The scripted provider's name and the streams its `expand` offers. */
export const SCRIPT = 'script';
export const SCRIPT_CATALOGUE = ['a.trade', 'b.trade', 'c.trade', 'a.book', 'b.book', 'c.book'].map((t) => `${SCRIPT}::${t}`);
/** Always refused by the script: a configure naming it must fail and change nothing. */
export const POISON = `${SCRIPT}::poison.trade`;
export const PUBLISH_NS = 'local';
/** The derived stream of the soak's `bars` worker (tick bars: they close on trades, never on the clock), and its input. */
export const BAR = 'bars::bar[ticks=5;venue=synthetic].btcusdt';
export const BAR_TICKS = 5;
export const BAR_INPUT = 'synthetic::btcusdt.trade';
export const PUBLISH_IDS = [`${PUBLISH_NS}::chat.room1`, `${PUBLISH_NS}::chat.room2`];

/** Patterns sessions choose from: exact, wildcard, params, and both providers. */
const GOOD = [
  'synthetic::btcusdt.ticks',
  'synthetic::ethusdt.trades',
  'synthetic::solusdt.quotes',
  'synthetic::btcusdt.*',
  'synthetic::trades.*',
  'synthetic::ticks[*].*',
  'synthetic::ethusdt.ticks[rate=50]',
  'synthetic::btcusdt.quotes[rate=200;size=64]',
  'script::a.trade',
  'script::b.trade',
  'script::trade.*',
  'script::a.*',
  'script::*',
  'script::c.book',
  'local::*',
  'local::chat.room1',
  BAR,
  'bars::bar[interval=1s;venue=synthetic].ethusdt',
  'bybit::btcusdt.book',
  'bybit::*.book',
  'binance::ethusdt.book',
  'okx::*.book',
  'books::book[depth=5;interval=200ms;venue=bybit].btcusdt',
  'books::book[depth=5;interval=200ms;venue=binance].btcusdt',
  'books::book[depth=5;interval=200ms;venue=okx].eth-usdt-swap',
];

/** A fast, fat stream, so a socket that stops reading fills its buffers within seconds. */
export const FAST = 'synthetic::solusdt.trades[rate=400;size=512]';

/** Each must make a configure fail, atomically. */
const BAD = [POISON, 'nowhere::x.trade', 'synthetic::btcusdt..ticks', 'synthetic::dogeusdt.ticks'];

/**
 * The one pattern set of a steady client, which never reconfigures: no seq gap it sees can be
 * put down to a binding change, so every one must be an announced drop.
 */
export const STEADY = ['synthetic::btcusdt.*', 'script::trade.*', 'local::*', BAR];

/** What the client-library clients hold throughout: provider streams and a derived one. */
export const RECONNECTING = ['synthetic::ethusdt.*', 'script::a.trade', BAR];

/** A pattern set for a configure: mostly good, sometimes one bad pattern, sometimes empty. */
export function choosePatterns(prng: Prng, options: { fast: boolean; steady: boolean }): string[] {
  if (options.steady) return options.fast ? [...STEADY, FAST] : STEADY;
  if (prng.chance(0.04)) return [];
  const set = prng.some(GOOD, 1, 4);
  if (options.fast && prng.chance(0.25)) set.push(FAST);
  if (prng.chance(0.08)) set.push(prng.pick(BAD));
  return set;
}

export function anyPattern(prng: Prng): string {
  return prng.chance(0.9) ? prng.pick(GOOD) : prng.pick(BAD);
}

const ids = new Map<string, Identifier | null>();

/** Parsed once per distinct text (a handful of streams), null when it does not parse. */
export function identifierOf(text: string): Identifier | null {
  let id = ids.get(text);
  if (id === undefined) {
    // Churn publishes fresh ids all run long: a cache of every one would outlive the run.
    if (ids.size >= 4_096) ids.clear();
    try {
      id = parseIdentifier(text);
    } catch {
      id = null;
    }
    ids.set(text, id);
  }
  return id;
}

/** Empties the cache, so what the run parsed is not counted in the heap after it. */
export function forgetIdentifiers(): void {
  ids.clear();
}

/** Canonical patterns, or null if one does not parse (the configure will fail). */
export function canonicalAll(texts: readonly string[]): Pattern[] | null {
  try {
    return texts.map((t) => parsePattern(t));
  } catch {
    return null;
  }
}

export function matchesAny(patterns: Iterable<Pattern>, text: string): boolean {
  const id = identifierOf(text);
  if (id === null) return false;
  for (const p of patterns) if (p.matches(id)) return true;
  return false;
}
