import type { Logger } from '../common/logger';
import type { Clock } from '../common/clock';
import type { EndpointSettings } from './http';
import type { Now } from './rate';
import type { AttachOptions, Client, ConfigureOptions, ExplainResult, ServiceStats, SessionOptions } from '../common/service-types';

/** The part of `DataService` the gateway drives; kept narrow so the gateway depends on no more. */
export interface GatewayService {
  newSession(options?: SessionOptions): Promise<string>;
  attachClient(sessionId: string, options?: AttachOptions): Promise<Client>;
  detachClient(sessionId: string): Promise<void>;
  configureSession(sessionId: string, patterns: readonly string[], options?: ConfigureOptions): Promise<string[]>;
  closeSession(sessionId: string): Promise<void>;
  explain(pattern: string): Promise<ExplainResult>;
  stats(): Promise<ServiceStats>;
  /** Tells of every session that is gone; the gateway keeps its quotas with it. Returns the undo. */
  onSessionClosed(listener: (sessionId: string) => void): () => void;
}

export interface GatewayLimits {
  /** Largest client frame in bytes; larger ones get LIMIT_EXCEEDED and the socket closes with 1009. */
  readonly maxFrameBytes: number;
  /** Open sockets at once; one more gets LIMIT_EXCEEDED and is closed with 1013. */
  readonly maxConnections: number;
  /** Pause the session while the socket has more than this many bytes waiting to be sent. */
  readonly highWaterBytes: number;
  /** Resume when it has drained to this. */
  readonly lowWaterBytes: number;
  /** Ping every socket this often; one that has not answered the previous ping is cut off. ≤ 0: never. */
  readonly pingIntervalMs: number;
  /**
   * Operations per second per socket (every valid frame but `publish`), with bursts of up to a
   * second's worth; one over gets LIMIT_EXCEEDED and is not run. ≤ 0: no limit.
   */
  readonly maxOpsPerSecond: number;
  /** The same for `publish` frames, counted in a bucket of their own. ≤ 0: no limit. */
  readonly maxPublishesPerSecond: number;
  /** Sessions one socket created that are not closed yet. */
  readonly maxSessionsPerConnection: number;
  /** With a token: sessions all its clients created that are not closed yet. */
  readonly maxSessionsPerToken: number;
  /** Sessions created over the gateway with `idleAfterMs` ≤ 0 (they never time out). */
  readonly maxPersistentSessions: number;
  /** Longest `idleAfterMs` a gateway client may ask for. */
  readonly maxIdleAfterMs: number;
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = {
  maxFrameBytes: 1_048_576,
  maxConnections: 1_000,
  highWaterBytes: 4 * 1_048_576,
  lowWaterBytes: 1_048_576,
  pingIntervalMs: 30_000,
  maxOpsPerSecond: 100,
  maxPublishesPerSecond: 10_000,
  maxSessionsPerConnection: 100,
  maxSessionsPerToken: 10_000,
  maxPersistentSessions: 100,
  maxIdleAfterMs: 3_600_000,
};

export interface GatewayOptions extends Partial<GatewayLimits> {
  readonly service: GatewayService;
  /** Default 127.0.0.1: the dev runner is not exposed unless asked. */
  readonly host?: string;
  /** Default 7400; 0 picks a free port. */
  readonly port?: number;
  /** When set, an upgrade without it (Bearer header or `?token=`) gets HTTP 401. */
  readonly token?: string;
  readonly logger?: Logger;
  /** Turn off `/metrics`, `/healthz` + `/readyz`, or the live page (all on by default). */
  readonly endpoints?: Partial<EndpointSettings>;
  /**
   * Compress frames with permessage-deflate when the client offers it. Off by default: it saves
   * bytes on slow links but costs CPU per socket (each has its own compressor), so the shared
   * encoding of a batch no longer saves the per-socket work.
   */
  readonly perMessageDeflate?: boolean;
  /** Time for the rate limits (tests pass their own); default `performance.now`. */
  readonly now?: Now;
  /**
   * Web origins (`https://host:port`) whose pages may open a socket, besides the gateway's own;
   * `"*"` allows any. An upgrade with another `Origin` header gets HTTP 403. Default none.
   */
  readonly allowedOrigins?: readonly string[];
  /** List every session's id in `stats` (default false: a client sees only its own). */
  readonly exposeSessionIds?: boolean;
  /** Timers for the heartbeat and the close grace (tests pass their own); default the real clock. */
  readonly clock?: Clock;
}
