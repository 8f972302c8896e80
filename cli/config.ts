import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OVERFLOW_POLICIES, type Limits, type OverflowPolicy } from '../common/service-types';
import { DEFAULT_ENDPOINTS, type EndpointSettings } from '../gateway/http';
import { DEFAULT_GATEWAY_LIMITS, type GatewayLimits } from '../gateway/types';
import type { ProviderFactory } from '../providers/contract';
import { checks } from '../common/option-checks';
import { providerFactory, ProviderConfigError } from '../providers/registry';
import type { FactoryContext } from '../common/type-registry';
import { workerFactory } from '../workers/registry';
import type { WorkerFactory } from '../workers/contract';
import { moduleFactory } from './user-module';
import { readNatsConfig, type NatsConfig } from '../cluster/config';
import { Fields } from '../common/fields';

/** The configuration file (README, "Configuration"), checked and with defaults filled in. */
export interface TesseraConfig {
  readonly gateway: GatewayLimits & {
    readonly host: string;
    readonly port: number;
    readonly token?: string;
    readonly perMessageDeflate: boolean;
    readonly allowedOrigins: readonly string[];
    readonly exposeSessionIds: boolean;
  };
  /** Which HTTP endpoints the gateway answers (all on by default). */
  readonly endpoints: EndpointSettings;
  readonly providers: readonly ProviderConfig[];
  readonly workers: readonly WorkerConfig[];
  readonly publishNamespaces: readonly string[];
  readonly sessions: { readonly idleAfterMs: number; readonly outBuffer: number; readonly overflow: OverflowPolicy };
  readonly limits: Partial<Limits> & { readonly providerCallTimeoutMs?: number };
  /** Linking with other nodes over NATS; absent when this node runs alone. */
  readonly nats?: NatsConfig;
}

/** A provider or worker entry, checked; `type` is "module" for a user's module. */
export interface EntryConfig<F> {
  readonly type: string;
  readonly name: string;
  /** The entry's own module, as written in the file. */
  readonly module?: string;
  /** A fresh provider per (re)start, built from the entry's options. */
  readonly factory: F;
}

export type ProviderConfig = EntryConfig<ProviderFactory>;
export type WorkerConfig = EntryConfig<WorkerFactory>;

/** What the command line may override. */
export interface ConfigOverrides {
  readonly host?: string;
  readonly port?: number;
  /** `--nats`: server URLs; turns NATS on even without a `nats` section. */
  readonly nats?: readonly string[];
}

/** A refused configuration; `issues` holds one `field: problem` line each. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`${source}:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Used when no file is given: the synthetic provider, no network needed. */
export const DEFAULT_CONFIG = {
  gateway: { host: '127.0.0.1', port: 7400 },
  providers: [{ type: 'synthetic', name: 'synthetic', symbols: ['btcusdt', 'ethusdt', 'solusdt'] }],
  workers: [{ type: 'bars', name: 'bars' }],
  publishNamespaces: ['local'],
  sessions: { idleAfterMs: 30_000, outBuffer: 1024, overflow: 'drop-newest' },
  limits: {},
} as const;

const NAMESPACE = /^[a-z0-9_-]{1,64}$/;
const namespace = (value: unknown): string | undefined =>
  typeof value === 'string' && NAMESPACE.test(value) ? undefined : 'must be 1-64 characters of a-z 0-9 _ -';
const positive = checks.integer(1);

function definedOnly(overrides: ConfigOverrides): ConfigOverrides {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
}

function readGateway(raw: unknown, issues: string[], overrides: ConfigOverrides): TesseraConfig['gateway'] {
  const f = new Fields(raw, 'gateway', issues);
  const d = DEFAULT_GATEWAY_LIMITS;
  const token = f.optional<string>('token', checks.string);
  const gateway = {
    host: f.get('host', checks.string, DEFAULT_CONFIG.gateway.host),
    port: f.get('port', checks.integer(0, 65535), DEFAULT_CONFIG.gateway.port),
    ...definedOnly(overrides),
    ...(token === undefined ? {} : { token }),
    perMessageDeflate: f.get('perMessageDeflate', checks.boolean, false),
    maxFrameBytes: f.get('maxFrameBytes', checks.integer(64), d.maxFrameBytes),
    maxConnections: f.get('maxConnections', positive, d.maxConnections),
    highWaterBytes: f.get('highWaterBytes', positive, d.highWaterBytes),
    lowWaterBytes: f.get('lowWaterBytes', checks.integer(0), d.lowWaterBytes),
    pingIntervalMs: f.get('pingIntervalMs', checks.integer(0), d.pingIntervalMs),
    maxOpsPerSecond: f.get('maxOpsPerSecond', checks.integer(0), d.maxOpsPerSecond),
    maxPublishesPerSecond: f.get('maxPublishesPerSecond', checks.integer(0), d.maxPublishesPerSecond),
    maxSessionsPerConnection: f.get('maxSessionsPerConnection', positive, d.maxSessionsPerConnection),
    maxSessionsPerToken: f.get('maxSessionsPerToken', positive, d.maxSessionsPerToken),
    maxPersistentSessions: f.get('maxPersistentSessions', checks.integer(0), d.maxPersistentSessions),
    maxIdleAfterMs: f.get('maxIdleAfterMs', positive, d.maxIdleAfterMs),
    allowedOrigins: f.get<string[]>('allowedOrigins', checks.arrayOf(checks.string), []),
    exposeSessionIds: f.get('exposeSessionIds', checks.boolean, false),
  };
  if (gateway.lowWaterBytes > gateway.highWaterBytes) f.issue('lowWaterBytes', 'must not be above gateway.highWaterBytes');
  f.done();
  return gateway;
}

/**
 * Reads `providers` or `workers`: each entry names a shipped `type` or a user's `module`, and a
 * `name` unique across both sections (it is the entry's namespace).
 */
function readEntries<F>(
  section: 'providers' | 'workers',
  raw: unknown,
  issues: string[],
  baseDir: string,
  names: Map<string, string>,
  fromType: (type: string, options: Readonly<Record<string, unknown>>, context: FactoryContext) => F,
): EntryConfig<F>[] {
  const what = section === 'providers' ? 'provider' : 'worker';
  if (!Array.isArray(raw)) {
    issues.push(`${section}: must be an array`);
    return [];
  }
  const out: EntryConfig<F>[] = [];
  raw.forEach((entry: unknown, i) => {
    const f = new Fields(entry, `${section}[${i}]`, issues);
    const type = f.get<string | undefined>('type', checks.string, undefined);
    const modulePath = f.get<string | undefined>('module', checks.string, undefined);
    const name = f.get<string | undefined>('name', namespace, undefined);
    if (f.has('type') && f.has('module')) f.issue('module', `give "type" (a shipped ${what}) or "module" (your own), not both`);
    else if (!f.has('type') && !f.has('module')) f.issue('type', 'is required (or "module": a file whose create(options) builds it)');
    if (!f.has('name')) f.issue('name', 'is required');
    const clash = name === undefined ? undefined : names.get(name);
    if (clash !== undefined) f.issue('name', `"${name}" is used by another ${clash}`);
    if (name !== undefined) names.set(name, what);
    if (name === undefined || (type === undefined) === (modulePath === undefined)) return;
    try {
      const options = f.rest(['type', 'module', 'name']);
      const factory = modulePath !== undefined ? (moduleFactory(what, modulePath, options, { baseDir }) as F) : fromType(type!, options, { baseDir });
      out.push({ type: type ?? 'module', name, ...(modulePath === undefined ? {} : { module: modulePath }), factory });
    } catch (error) {
      if (!(error instanceof ProviderConfigError)) throw error;
      const where = error.field === undefined ? f.path : f.at(error.field);
      issues.push(`${where}: ${error.message}`);
    }
  });
  return out;
}

function readEndpoints(raw: unknown, issues: string[]): EndpointSettings {
  const f = new Fields(raw, 'endpoints', issues);
  const d = DEFAULT_ENDPOINTS;
  const endpoints = { metrics: f.get('metrics', checks.boolean, d.metrics), health: f.get('health', checks.boolean, d.health), page: f.get('page', checks.boolean, d.page) };
  f.done();
  return endpoints;
}

function readSessions(raw: unknown, issues: string[]): TesseraConfig['sessions'] {
  const f = new Fields(raw, 'sessions', issues);
  const d = DEFAULT_CONFIG.sessions;
  const sessions = {
    idleAfterMs: f.get('idleAfterMs', checks.integer(Number.MIN_SAFE_INTEGER), d.idleAfterMs),
    outBuffer: f.get('outBuffer', positive, d.outBuffer),
    overflow: f.get<OverflowPolicy>('overflow', checks.oneOf(...OVERFLOW_POLICIES), d.overflow),
  };
  f.done();
  return sessions;
}

function readLimits(raw: unknown, issues: string[]): TesseraConfig['limits'] {
  const f = new Fields(raw, 'limits', issues);
  const limits: Record<string, number> = {};
  for (const key of ['maxSessions', 'maxPatternsPerSession', 'maxOutBuffer', 'maxOutBufferBytes', 'maxTotalBufferBytes', 'maxPublishedStreams', 'publishedIdleMs', 'providerCallTimeoutMs'] as const) {
    const value = f.optional<number>(key, positive);
    if (value !== undefined) limits[key] = value;
  }
  f.done();
  return limits;
}

/**
 * Checks a parsed configuration and fills the defaults. Every problem is reported, each naming
 * its field; `baseDir` resolves relative paths (a replay's `file`).
 */
export function validateConfig(raw: unknown, source: string, baseDir: string, overrides: ConfigOverrides = {}): TesseraConfig {
  if (checks.object(raw)) throw new ConfigError(source, ['the configuration must be a JSON object']);
  const issues: string[] = [];
  const top = new Fields(raw, '', issues);
  const gateway = readGateway(top.raw('gateway'), issues, { host: overrides.host, port: overrides.port });
  const names = new Map<string, string>();
  const providers = readEntries('providers', top.has('providers') ? top.raw('providers') : DEFAULT_CONFIG.providers, issues, baseDir, names, providerFactory);
  // Without a `workers` section the shipped defaults run, unless a provider took their name.
  const workersRaw = top.has('workers') ? top.raw('workers') : DEFAULT_CONFIG.workers.filter((w) => !names.has(w.name));
  const workers = readEntries('workers', workersRaw, issues, baseDir, names, workerFactory);
  const publishNamespaces = top.get<string[]>('publishNamespaces', checks.arrayOf(namespace), [...DEFAULT_CONFIG.publishNamespaces]);
  for (const ns of publishNamespaces) {
    if (names.has(ns)) issues.push(`publishNamespaces: "${ns}" is also a ${names.get(ns)}'s name`);
  }
  const sessions = readSessions(top.raw('sessions'), issues);
  const endpoints = readEndpoints(top.raw('endpoints'), issues);
  const limits = readLimits(top.raw('limits'), issues);
  const nats = readNatsConfig(top.raw('nats'), issues, { providers: [...providers, ...workers].map((p) => p.name), publishNamespaces, servers: overrides.nats });
  top.done();
  if (issues.length > 0) throw new ConfigError(source, issues);
  return { gateway, endpoints, providers, workers, publishNamespaces, sessions, limits, ...(nats === undefined ? {} : { nats }) };
}

/** Reads `file` (or the embedded default when absent), then applies the command-line overrides. */
export function loadConfig(file: string | undefined, overrides: ConfigOverrides = {}): TesseraConfig {
  if (file === undefined) return validateConfig(DEFAULT_CONFIG, 'default configuration', process.cwd(), overrides);
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`not valid JSON (${(error as Error).message})`]);
  }
  return validateConfig(raw, file, dirname(path), overrides);
}
