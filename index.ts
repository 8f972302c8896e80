/** Tessera's public entry: what code outside the project may rely on. Nothing internal leaks. */
export { DataService, DEFAULT_LIMITS } from './data-service';
export { TesseraError, ERROR_CODES, isTesseraError, type ErrorCode } from './common/errors';
export { Identifier, parseIdentifier, type Tag } from './router/identifier';
export { Pattern, parsePattern, type TagConstraint, type ParamMatch } from './router/pattern';
export type { Envelope, MessageEnvelope, Notice, NoticeKind, ProviderDownReason, SessionClosedReason } from './common/envelope';
export type { JsonValue, Payload } from './common/json';
export type { Clock } from './common/clock';
export { systemClock } from './common/clock';
export { createLogger, type Logger } from './common/logger';
export type {
  AttachOptions,
  Client,
  CrashTarget,
  ExplainResult,
  Limits,
  OverflowPolicy,
  ProviderState,
  ProviderStats,
  RestartPolicy,
  RouterStats,
  ServiceOptions,
  ServiceStats,
  SessionOptions,
  SessionStats,
  SessionTotals,
  StreamStats,
  WorkerStats,
} from './common/service-types';
export type { Provider, ProviderContext, ProviderFactory, StreamFailure, SubscribeResult } from './providers/contract';
export {
  BarsWorker,
  BooksWorker,
  DerivedWorker,
  type Bar,
  type BarsOptions,
  type BooksOptions,
  type Derivation,
  type DerivedWorkerOptions,
  type Emit,
  type InputMessage,
  type TopOfBook,
  type Worker,
  type WorkerContext,
  type WorkerFactory,
} from './workers';
export { SyntheticProvider, type SyntheticOptions } from './providers/synthetic';
export { ReplayProvider, RecordingWriter, type ReplayOptions } from './providers/replay';
export { BinanceProvider, type BinanceOptions, type BinanceStats } from './providers/binance';
export { BybitProvider, type BybitOptions, type BybitStats } from './providers/bybit';
export { OkxProvider, type OkxOptions, type OkxStats } from './providers/okx';
export { Gateway } from './gateway/server';
export { DEFAULT_GATEWAY_LIMITS, type GatewayLimits, type GatewayOptions } from './gateway/types';
export { ClusterNode, readNatsConfig, parseServers, type ClusterNodeOptions, type ClusterStats, type NatsConfig, type ImportConfig } from './cluster';
// The testkit is its own entry, `tessera/testkit`, so test helpers stay out of production imports.
