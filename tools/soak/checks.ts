import { parseIdentifier } from '../../router/identifier';
import { BarsWorker } from '../../workers/bars/bars-worker';
import { until } from './holds';
import { PUBLISH_NS } from './patterns';
import { BOOK_VENUES } from './venue-books';
import type { World } from './world';

/** Only asked for the inputs of a bar stream, which need no running worker. */
const BARS = new BarsWorker();

export interface SubscriptionDiff {
  /** Streams some session's patterns want. */
  readonly wanted: number;
  /** Wanted but not subscribed at the provider. */
  readonly missing: readonly string[];
  /** Subscribed at a provider but wanted by nobody. */
  readonly extra: readonly string[];
}

/** Resolves once every provider is running (not restarting) and no fault is still armed. */
export async function providersRunning(world: World, timeoutMs: number): Promise<void> {
  const running = async (): Promise<true | undefined> => {
    const { providers, workers } = await world.service.stats();
    return [...providers, ...workers].every((p) => p.state === 'running') ? true : undefined;
  };
  await until(running, timeoutMs, 'every provider and worker running');
}

/**
 * Invariant 1: the providers' live sets against the union, over sessions, of what their patterns
 * want (`explain` gives each pattern's streams: its identifier, or the provider's `expand`).
 */
export async function subscriptionDiff(world: World): Promise<SubscriptionDiff> {
  const stats = await world.service.stats();
  const patterns = new Set(stats.sessions.flatMap((s) => s.patterns));
  const wanted = new Set<string>();
  for (const pattern of patterns) {
    if (pattern.startsWith(`${PUBLISH_NS}::`)) continue;
    for (const id of (await world.service.explain(pattern)).streams) {
      // A derived stream is the worker's; what a provider must serve for it is its input.
      // The venue's books are checked by their own audit (its provider keeps its own set).
      if (id.startsWith('books::') || BOOK_VENUES.some((v) => id.startsWith(`${v}::`))) continue;
      if (!id.startsWith('bars::')) wanted.add(id);
      else for (const input of BARS.inputs(parseIdentifier(id))) for (const s of (await world.service.explain(input)).streams) wanted.add(s);
    }
  }
  const actual = new Set([...(world.synthetic()?.subscribed ?? []), ...world.script.subscribed]);
  return {
    wanted: wanted.size,
    missing: [...wanted].filter((id) => !actual.has(id)).sort(),
    extra: [...actual].filter((id) => !wanted.has(id)).sort(),
  };
}

/** Polls the diff until it is empty; the last diff either way. */
export async function settledSubscriptions(world: World, timeoutMs: number): Promise<SubscriptionDiff> {
  let last: SubscriptionDiff = { wanted: 0, missing: [], extra: [] };
  try {
    await until(
      async () => {
        last = await subscriptionDiff(world);
        return last.missing.length + last.extra.length === 0 ? true : undefined;
      },
      timeoutMs,
      'provider subscriptions to match the sessions',
      50,
    );
  } catch {
    // The diff that never cleared is the finding.
  }
  return last;
}

/**
 * Liveness after the chaos: every attached client receives a new message on each provider
 * stream its session's patterns match and that is flowing. Returns "client: stream" for those
 * that did not within the timeout.
 */
export async function awaitFlow(world: World, timeoutMs: number): Promise<{ checked: number; stalled: string[] }> {
  const stats = await world.service.stats();
  const patternsOf = new Map(stats.sessions.map((s) => [s.id, s.patterns]));
  const waits: { client: (typeof world.clients)[number]; audit: (typeof world.clients)[number]['audit']; id: string; after: number }[] = [];
  const flowing = new Map<string, readonly string[]>();
  for (const client of world.clients) {
    if (client.state !== 'attached' || client.sessionId === undefined) continue;
    for (const pattern of patternsOf.get(client.sessionId) ?? []) {
      if (pattern.startsWith(`${PUBLISH_NS}::`)) continue;
      let ids = flowing.get(pattern);
      if (ids === undefined) flowing.set(pattern, (ids = (await world.service.explain(pattern)).flowing));
      for (const id of ids) waits.push({ client, audit: client.audit, id, after: client.audit.newest(id) ?? -1 });
    }
  }
  const pending = (): typeof waits =>
    waits.filter((w) => w.client.state === 'attached' && w.client.audit === w.audit && (w.audit.newest(w.id) ?? -1) <= w.after);
  try {
    await until(() => (pending().length === 0 ? true : undefined), timeoutMs, 'every attached client to receive its streams', 20);
  } catch {
    // Reported below.
  }
  return { checked: waits.length, stalled: pending().map((w) => `${w.client.name}: ${w.id}`) };
}
