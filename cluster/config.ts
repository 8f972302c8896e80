import { hostname } from 'node:os';
import { Fields } from '../common/fields';
import { checks, type OptionCheck } from '../common/option-checks';
import { NODE_NAME } from './subjects';

/** One imported provider: `provider` of node `node`, mounted here as namespace `as`. */
export interface ImportConfig {
  readonly node: string;
  readonly provider: string;
  readonly as: string;
}

/** The `nats` section of the configuration file, checked and with defaults filled in. */
export interface NatsConfig {
  readonly servers: readonly string[];
  /** This node's name on NATS (its exports live under `tessera.<node>.`). */
  readonly node: string;
  /** Local providers offered to other nodes. */
  readonly export: readonly string[];
  readonly import: readonly ImportConfig[];
  /** How long interest lives at an exporter without renewal (renewed every third of it). */
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly requestTimeoutMs: number;
  readonly reconnectTimeWaitMs: number;
}

export const NATS_DEFAULTS = {
  servers: ['nats://127.0.0.1:4222'],
  leaseMs: 10_000,
  heartbeatMs: 1_000,
  requestTimeoutMs: 3_000,
  reconnectTimeWaitMs: 1_000,
} as const;

/** What the rest of the configuration says, to check names against. */
export interface NatsConfigContext {
  readonly providers: readonly string[];
  readonly publishNamespaces: readonly string[];
  /** `--nats` on the command line: replaces `servers`, and turns NATS on without a section. */
  readonly servers?: readonly string[];
}

const name: OptionCheck = (value) => (typeof value === 'string' && NODE_NAME.test(value) ? undefined : 'must be 1-64 characters of a-z 0-9 _ -');
const url: OptionCheck = (value) => (typeof value === 'string' && /^nats:\/\/[^\s/]+$/.test(value) ? undefined : 'must be a URL like nats://host:4222');

/** `--nats a,b`: a comma-separated list of server URLs. */
export function parseServers(text: string): string[] {
  const servers = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const problem = servers.length === 0 ? 'no server given' : servers.map(url).find((p) => p !== undefined);
  if (problem !== undefined) throw new Error(`--nats: ${problem}`);
  return servers;
}

/** This host's name, made fit for a subject token. */
export function defaultNodeName(): string {
  const cleaned = hostname().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return cleaned.length > 0 ? cleaned : 'node';
}

/**
 * Reads the `nats` section; every problem is pushed onto `issues` as `nats.field: problem`.
 * Undefined when NATS is not in use (no section and no `--nats`).
 */
export function readNatsConfig(raw: unknown, issues: string[], context: NatsConfigContext): NatsConfig | undefined {
  if (raw === undefined && context.servers === undefined) return undefined;
  const f = new Fields(raw ?? {}, 'nats', issues);
  const d = NATS_DEFAULTS;
  const servers = f.get<string[]>('servers', (v) => checks.arrayOf(url)(v) ?? (Array.isArray(v) && v.length === 0 ? 'must name at least one server' : undefined), [...d.servers]);
  const config: NatsConfig = {
    servers: context.servers ?? servers,
    node: f.get('node', name, defaultNodeName()),
    export: f.get<string[]>('export', checks.arrayOf(checks.string), []),
    import: readImports(f, issues, new Set([...context.providers, ...context.publishNamespaces])),
    leaseMs: f.get('leaseMs', checks.integer(100), d.leaseMs),
    heartbeatMs: f.get('heartbeatMs', checks.integer(10), d.heartbeatMs),
    requestTimeoutMs: f.get('requestTimeoutMs', checks.integer(10), d.requestTimeoutMs),
    reconnectTimeWaitMs: f.get('reconnectTimeWaitMs', checks.integer(10), d.reconnectTimeWaitMs),
  };
  f.done();
  config.export.forEach((p, i) => {
    if (!context.providers.includes(p)) issues.push(`nats.export[${i}]: no provider "${p}" is configured`);
  });
  return config;
}

/** `taken`: names already in use locally; each import's `as` must be new. */
function readImports(parent: Fields, issues: string[], taken: Set<string>): ImportConfig[] {
  const raw = parent.raw('import');
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    parent.issue('import', 'must be an array');
    return [];
  }
  const out: ImportConfig[] = [];
  raw.forEach((entry: unknown, i) => {
    const f = new Fields(entry, `nats.import[${i}]`, issues);
    const node = f.get<string | undefined>('node', name, undefined);
    const provider = f.get<string | undefined>('provider', name, undefined);
    const as = f.get<string | undefined>('as', name, provider);
    for (const key of ['node', 'provider'] as const) if (!f.has(key)) f.issue(key, 'is required');
    if (as !== undefined && taken.has(as)) f.issue('as', `"${as}" is already a provider, publish namespace or import`);
    if (as !== undefined) taken.add(as);
    f.done();
    if (node !== undefined && provider !== undefined && as !== undefined) out.push({ node, provider, as });
  });
  return out;
}
