import { systemClock } from '../../common/clock';
import { settleWithin } from '../../common/deadline';
import { TesseraError, isTesseraError, toError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { ExplainResult } from '../../common/service-types';
import type { StreamFailure } from '../../providers/contract';
import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import { parsePattern } from '../../router/pattern';
import type { RouteTarget } from '../../router/router-actor';
import type { ProviderRecord } from '../provider/provider-record';
import type { Binding, SessionRecord } from '../session/session-record';
import { wantedOf } from '../session/session-record';

/** What a configure changes: a session's patterns, or the inputs a worker binds. */
export interface Subscriber {
  readonly id: string;
  bindings: Map<string, Binding>;
  readonly closed: boolean;
  readonly outbox: RouteTarget;
  wanted(): Map<string, Map<string, Identifier>>;
}

/** What configure needs from the manager. */
export interface ConfigureEnv<S extends Subscriber = SessionRecord> {
  readonly providers: ReadonlyMap<string, ProviderRecord>;
  readonly publishNamespaces: ReadonlySet<string>;
  readonly maxPatterns: number;
  readonly callTimeoutMs: number;
  readonly logger: Logger;
  /** Binds the new patterns, then unbinds the old (Sessions.rebind). */
  rebind(subscriber: S, next: Map<string, Binding>, last: boolean): void;
  /** Resolves once the router has handled everything sent before (skipped while it restarts). */
  readonly routerBarrier: () => Promise<void>;
}

/** Parses a pattern and checks its namespace; errors name the pattern. */
export function resolvePattern(env: Pick<ConfigureEnv, 'providers' | 'publishNamespaces'>, text: unknown): Pattern {
  if (typeof text !== 'string') throw new TesseraError('INVALID_PATTERN', `pattern must be a string, got ${typeof text}`);
  let pattern: Pattern;
  try {
    pattern = parsePattern(text);
  } catch (error) {
    throw new TesseraError('INVALID_PATTERN', `pattern "${clip(text)}": ${toError(error).message}`, { cause: error, details: { pattern: text } });
  }
  if (!env.providers.has(pattern.namespace) && !env.publishNamespaces.has(pattern.namespace)) {
    throw new TesseraError('UNKNOWN_NAMESPACE', `pattern "${pattern.canonical}": no provider or publish namespace "${pattern.namespace}"`, {
      details: { pattern: text },
    });
  }
  return pattern;
}

/** Asks each provider which streams the new patterns need (validate / expand). */
export async function planBindings(env: ConfigureEnv<Subscriber>, patterns: readonly Pattern[], previous: ReadonlyMap<string, Binding>): Promise<Map<string, Binding>> {
  const bindings = new Map<string, Binding>();
  const toPlan = new Map<string, Pattern[]>();
  for (const pattern of patterns) {
    const kept = previous.get(pattern.canonical);
    if (kept !== undefined && kept.provider === (env.providers.has(pattern.namespace) ? pattern.namespace : null)) {
      bindings.set(pattern.canonical, kept);
    } else if (!env.providers.has(pattern.namespace)) {
      bindings.set(pattern.canonical, { pattern, provider: null, streams: [] });
    } else {
      const list = toPlan.get(pattern.namespace) ?? [];
      list.push(pattern);
      toPlan.set(pattern.namespace, list);
    }
  }
  await Promise.all(
    [...toPlan].map(async ([name, list]) => {
      const provider = env.providers.get(name)!;
      let outcomes;
      try {
        outcomes = await provider.plan(list);
      } catch (error) {
        throw new TesseraError('STREAM_START_FAILED', `provider "${name}" could not plan ${list.map((p) => `"${p.canonical}"`).join(', ')}: ${toError(error).message}`, { cause: error });
      }
      list.forEach((pattern, i) => {
        const outcome = outcomes[i];
        if (!outcome.ok) throw new TesseraError('INVALID_PATTERN', `pattern "${pattern.canonical}": ${outcome.reason}`, { details: { pattern: pattern.canonical } });
        bindings.set(pattern.canonical, { pattern, provider: name, streams: outcome.streams });
      });
    }),
  );
  return bindings;
}

/**
 * Atomic configure (ARCHITECTURE.md, control path): validate everything, take the newly wanted streams (undoing every subscribe this call
 * made if one fails), bind the new patterns before unbinding the old (no gap for patterns kept),
 * then release what is no longer wanted.
 */
export async function configureSession<S extends Subscriber>(env: ConfigureEnv<S>, session: S, texts: readonly unknown[], last = false): Promise<string[]> {
  if (texts.length > env.maxPatterns) {
    throw new TesseraError('LIMIT_EXCEEDED', `at most ${env.maxPatterns} patterns per session, got ${texts.length}`, { details: { limit: 'maxPatternsPerSession' } });
  }
  const patterns = new Map<string, Pattern>();
  for (const text of texts) {
    const pattern = resolvePattern(env, text);
    patterns.set(pattern.canonical, pattern);
  }
  const next = await planBindings(env, [...patterns.values()], session.bindings);
  const before = session.wanted();
  const after = wantedOf(next.values());
  const added = diff(after, before);
  const removed = diff(before, after);

  const acquired = await acquireAll(env, added);
  const failures = [...acquired.values()].flatMap((a) => a.failures);
  const vanished = [...next.values()].some((b) => b.provider !== null && !env.providers.has(b.provider));
  if (failures.length > 0 || session.closed || vanished) {
    for (const [name, { provider }] of acquired) provider.streams.release([...added.get(name)!.values()]);
    await settle(env, [...acquired.values()].map((a) => a.provider));
    if (session.closed) throw new TesseraError('SESSION_NOT_FOUND', `session ${session.id} was closed`);
    if (vanished) throw new TesseraError('UNKNOWN_NAMESPACE', 'a provider was removed while the session was being configured');
    throw new TesseraError('STREAM_START_FAILED', failures.map((f) => `${f.id.canonical}: ${f.reason}`).join('; '), {
      details: { streams: failures.map((f) => ({ id: f.id.canonical, reason: f.reason })) },
    });
  }

  env.rebind(session, next, last);
  await env.routerBarrier();

  const releasing = [...removed].flatMap(([name, streams]) => {
    const provider = env.providers.get(name);
    provider?.streams.release([...streams.values()]);
    return provider === undefined ? [] : [provider];
  });
  await settle(env, releasing);
  return [...next.keys()].sort();
}

/** What a pattern would start and what of it already flows (`published` for a publish namespace). */
export async function explainPattern(env: ConfigureEnv, text: string, published: (pattern: Pattern) => string[]): Promise<ExplainResult> {
  const pattern = resolvePattern(env, text);
  const [binding] = (await planBindings(env, [pattern], new Map())).values();
  const record = env.providers.get(pattern.namespace);
  const flowing = record ? record.streams.live().filter((id) => pattern.matches(id)).map((id) => id.canonical) : published(pattern);
  const streams = capped(binding.streams.map((id) => id.canonical).sort());
  const flows = capped(flowing.sort());
  return {
    pattern: pattern.canonical,
    exact: pattern.exact,
    streams: streams.listed,
    flowing: flows.listed,
    ...(streams.omitted > 0 ? { streamsOmitted: streams.omitted } : {}),
    ...(flows.omitted > 0 ? { flowingOmitted: flows.omitted } : {}),
  };
}

/** Longest list an `explain` answer carries; the rest is counted, not listed. */
const MAX_LISTED = 1_000;

function capped(items: string[]): { listed: string[]; omitted: number } {
  return items.length <= MAX_LISTED ? { listed: items, omitted: 0 } : { listed: items.slice(0, MAX_LISTED), omitted: items.length - MAX_LISTED };
}

type Acquired = Map<string, { provider: ProviderRecord; failures: StreamFailure[] }>;

async function acquireAll(env: ConfigureEnv<Subscriber>, added: Map<string, Map<string, Identifier>>): Promise<Acquired> {
  const acquired: Acquired = new Map();
  await Promise.all(
    [...added].map(async ([name, streams]) => {
      const provider = env.providers.get(name);
      if (provider === undefined) return;
      const ids = [...streams.values()];
      const entry = { provider, failures: [] as StreamFailure[] };
      acquired.set(name, entry);
      entry.failures = await withTimeout(provider.streams.acquire(ids), env.callTimeoutMs * 2, () =>
        ids.map((id) => ({ id, reason: `provider "${name}" did not start the stream in time` })),
      );
    }),
  );
  return acquired;
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    // Real time, like every call deadline (see common/deadline.ts).
    const cancel = systemClock.setTimeout(() => resolve(onTimeout()), ms);
    promise.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error) => {
        cancel();
        reject(isTesseraError(error) ? error : toError(error));
      },
    );
  });
}

/** Lets the providers catch up with releases, so the caller returns to a settled state. */
function settle(env: ConfigureEnv<Subscriber>, providers: readonly ProviderRecord[]): Promise<void> {
  return settleWithin(Promise.all(providers.map((p) => p.streams.settled())), env.callTimeoutMs);
}

function diff(a: Map<string, Map<string, Identifier>>, b: Map<string, Map<string, Identifier>>): Map<string, Map<string, Identifier>> {
  const out = new Map<string, Map<string, Identifier>>();
  for (const [name, streams] of a) {
    const other = b.get(name);
    const only = new Map([...streams].filter(([canonical]) => !other?.has(canonical)));
    if (only.size > 0) out.set(name, only);
  }
  return out;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
