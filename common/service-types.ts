import type { Observable } from 'rxjs';
import type { Clock } from './clock';
import type { Envelope } from './envelope';
import type { JsonValue, Payload } from './json';
import type { Logger } from './logger';

/** What a session does when its out-buffer is full (README, "Using it as a library"; ARCHITECTURE.md, hop 3). */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest' | 'conflate' | 'disconnect';
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['drop-newest', 'drop-oldest', 'conflate', 'disconnect'];

export interface RestartPolicy {
  /** First restart delay (ms). */
  readonly initialBackoffMs: number;
  /** Cap on the delay (ms). */
  readonly maxBackoffMs: number;
  /** ± fraction applied to every delay (0.2 = ±20 %). */
  readonly jitter: number;
  /** More than `maxRestarts` crashes within `withinMs` gives up. */
  readonly maxRestarts: number;
  readonly withinMs: number;
}

export interface Limits {
  readonly maxSessions: number;
  readonly maxPatternsPerSession: number;
  readonly maxOutBuffer: number;
  /** A session's out-buffer in bytes (messages by their `size`), whatever its `outBuffer` count. */
  readonly maxOutBufferBytes: number;
  /** Bytes all out-buffers together may hold; past it each session's overflow policy applies. */
  readonly maxTotalBufferBytes: number;
  /** Distinct published ids remembered at once (least recently published go first). */
  readonly maxPublishedStreams: number;
  /** A published id nobody published for this long and no pattern matches is forgotten. */
  readonly publishedIdleMs: number;
}

export interface ServiceOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Namespaces clients may publish into (never a provider's). */
  readonly publishNamespaces?: readonly string[];
  /** Enables `crash(...)` for supervision tests. */
  readonly faultInjection?: boolean;
  readonly providerRestart?: Partial<RestartPolicy>;
  readonly sessionRestart?: Partial<Pick<RestartPolicy, 'maxRestarts' | 'withinMs'>>;
  /** The router restarts at once; crashing more often than this stops the service (fatal). */
  readonly routerRestart?: Partial<Pick<RestartPolicy, 'maxRestarts' | 'withinMs'>>;
  readonly limits?: Partial<Limits>;
  /** How long a provider call (start, subscribe, request…) may take before it fails with TIMEOUT. */
  readonly providerCallTimeoutMs?: number;
  /** Defaults for sessions and clients that do not say. */
  readonly sessionDefaults?: { readonly idleAfterMs?: number; readonly outBuffer?: number; readonly overflow?: OverflowPolicy };
}

export interface SessionOptions {
  /** > 0: close after this long without a client; ≤ 0: never. */
  readonly idleAfterMs?: number;
}

export interface AttachOptions {
  /** Out-buffer bound in messages. */
  readonly outBuffer?: number;
  readonly overflow?: OverflowPolicy;
}

export interface ConfigureOptions {
  /**
   * For each flowing stream the new patterns add to the session, first deliver its latest
   * message (marked `cached: true`). A stateful stream gives its state instead, with or without.
   */
  readonly last?: boolean;
}

/** What an attach found kept for the client: messages buffered, and those dropped since the last detach. */
export interface Resumed {
  readonly buffered: number;
  readonly dropped: number;
}

/** A client's two directions on its session. */
export interface Client {
  readonly sessionId: string;
  /** What this attach found: buffered messages (delivered first) and how many were dropped meanwhile. */
  readonly resumed: Resumed;
  /**
   * Messages and notices, in order. Delivery runs while someone is subscribed and the client is
   * not paused; otherwise the session buffers (bounded, with the overflow policy). Completes on
   * detach, close or `disconnect` overflow.
   */
  readonly envelopes: Observable<Envelope>;
  publish(id: string, payload: Payload): Promise<void>;
  request(id: string, body: JsonValue): Promise<JsonValue>;
  /** Flow control for consumers that cannot keep up (a socket with a full send buffer). */
  pause(): void;
  resume(): void;
  /**
   * Envelopes this client took but could not pass on (its socket closed under them): the
   * messages are counted as dropped and announced with the next `dropped` notice, the notices
   * are queued again. Works after a detach too, so the next client hears of it.
   */
  undelivered(envelopes: readonly Envelope[]): void;
}

export interface ExplainResult {
  readonly pattern: string;
  readonly exact: boolean;
  /** Streams the pattern would start (its identifier, or the provider's `expand`). */
  readonly streams: readonly string[];
  /** Streams flowing now that it matches. */
  readonly flowing: readonly string[];
  /** Lists stop at 1,000 entries (in order); these say how many more there were. */
  readonly streamsOmitted?: number;
  readonly flowingOmitted?: number;
}

export type ProviderState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopping';

export interface ProviderStats {
  readonly name: string;
  readonly state: ProviderState;
  readonly streams: number;
  readonly msgs: number;
  readonly restarts: number;
  /** The running instance's own `stats()` (an exchange's connections, frames, books), when it has them. */
  readonly details?: object;
}

/** A worker's figures: a provider's, plus its inputs. */
export interface WorkerStats extends ProviderStats {
  /** Input patterns bound for the worker's streams. */
  readonly inputs: number;
  /** Input messages delivered to the worker. */
  readonly received: number;
  /** Input messages lost (the worker fell behind, or was restarting); its streams got a gap notice. */
  readonly dropped: number;
}

export interface SessionStats {
  readonly id: string;
  readonly patterns: readonly string[];
  readonly attached: boolean;
  readonly buffered: number;
  /** The out-buffer's bound (`buffered / outBuffer` is how full it is). */
  readonly outBuffer: number;
  /** Bytes of the messages buffered (by their `size`). */
  readonly bufferedBytes: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly restarts: number;
}

/** A stream flowing now; `seq` is the number of messages emitted on it so far (rates come from its change). */
export interface StreamStats {
  readonly id: string;
  readonly provider: string;
  readonly seq: number;
}

/** Every session summed up, however many a stats answer lists. */
export interface SessionTotals {
  readonly open: number;
  readonly attached: number;
  /** Messages waiting in all out-buffers together, and in the fullest one. */
  readonly buffered: number;
  readonly maxBuffered: number;
  /** How full the fullest out-buffer is, 0 to 1. */
  readonly maxFill: number;
  /** Deliveries and drops over the service's life, closed sessions included (they never go down). */
  readonly delivered: number;
  readonly dropped: number;
}

export interface RouterStats {
  readonly matches: number;
  readonly routed: number;
  readonly cacheSize: number;
  readonly bindings: number;
  /** Messages that arrived while the router was restarting. */
  readonly dropped: number;
  readonly restarts: number;
}

export interface ServiceStats {
  readonly providers: readonly ProviderStats[];
  readonly workers: readonly WorkerStats[];
  readonly streams: readonly StreamStats[];
  readonly sessions: readonly SessionStats[];
  /** Sessions not listed: at most 1,000 are. */
  readonly sessionsOmitted?: number;
  /** Streams not listed: at most 1,000 are. */
  readonly streamsOmitted?: number;
  readonly sessionTotals: SessionTotals;
  readonly router: RouterStats;
}

/** Targets for `crash` under `faultInjection`. */
export type CrashTarget = 'router' | { readonly session: string } | { readonly provider: string } | { readonly worker: string };
