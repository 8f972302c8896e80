import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { NATS_DEFAULTS, type NatsConfig } from '../../cluster/config';
import { ClusterNode } from '../../cluster/node';
import { silentLogger } from '../../common/logger';
import type { ServiceOptions } from '../../common/service-types';
import { DataService } from '../../data-service';
import { ProviderScript } from '../../testkit';
import { Identifier } from '../../router/identifier';

/** Short leases and heartbeats, so outages and expiries show within a second or two. */
export const FAST = { leaseMs: 900, heartbeatMs: 300, requestTimeoutMs: 2_000, reconnectTimeWaitMs: 100 } as const;

export interface TestNode {
  readonly service: DataService;
  readonly cluster: ClusterNode;
  stop(): Promise<void>;
}

const running = new Set<TestNode>();

/** A service plus its cluster node on the given NATS server; stopped by `stopAllNodes`. */
export async function startNode(
  url: string,
  config: Partial<NatsConfig> & { readonly node: string },
  setup: (service: DataService) => Promise<void> = async () => undefined,
  serviceOptions: ServiceOptions = {},
): Promise<TestNode> {
  const logger = silentLogger();
  const service = await DataService.start({ logger, ...serviceOptions });
  await setup(service);
  const full: NatsConfig = { ...NATS_DEFAULTS, ...FAST, servers: [url], export: [], import: [], ...config };
  let cluster: ClusterNode;
  try {
    cluster = await ClusterNode.start({ service, config: full, logger });
  } catch (error) {
    await service.stop();
    throw error;
  }
  const node: TestNode = {
    service,
    cluster,
    stop: async () => {
      running.delete(node);
      await cluster.stop();
      await service.stop();
    },
  };
  running.add(node);
  return node;
}

export async function stopAllNodes(): Promise<void> {
  await Promise.all([...running].map((node) => node.stop()));
}

/** A scripted provider whose `expand` knows `<symbol>.trade` for each symbol. */
export function scriptWith(namespace: string, symbols: readonly string[]): ProviderScript {
  const script = new ProviderScript();
  script.catalogue = symbols.map((symbol) => Identifier.of(namespace, { [symbol]: {}, trade: {} }));
  return script;
}

const ROOT = resolve(__dirname, '..', '..');
let compiled: Promise<string> | undefined;

/**
 * Compiles cluster-child.ts (and what it imports) once per test process, into a private folder.
 * Takes seconds, and far more on a loaded machine: call it from `beforeAll` with a long timeout
 * so a test's own time is spent on what it tests.
 */
export function compileChild(): Promise<string> {
  compiled ??= new Promise((done, reject) => {
    const outDir = mkdtempSync(join(tmpdir(), 'tessera-cluster-child-'));
    const args = [require.resolve('typescript/bin/tsc'), join(ROOT, 'test', 'support', 'cluster-child.ts'), '--outDir', outDir, '--rootDir', ROOT];
    args.push('--module', 'commonjs', '--target', 'ES2022', '--moduleResolution', 'node', '--esModuleInterop', '--skipLibCheck', '--types', 'node');
    execFile(process.execPath, args, { cwd: ROOT }, (_error, stdout, stderr) => {
      const main = join(outDir, 'test', 'support', 'cluster-child.js');
      // tsc emits despite type errors; only a missing output is fatal.
      if (existsSync(main)) done(main);
      else reject(new Error(`could not compile the child node:\n${stdout}${stderr}`));
    });
  });
  return compiled;
}

export interface ChildNode {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
}

const children = new Set<ChildNode>();

/** Starts a node in a child process (see cluster-child.ts); resolves once it prints `ready`. */
export async function startChildNode(config: object, timeoutMs = 30_000): Promise<ChildNode> {
  const main = await compileChild();
  const env = { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), TESSERA_CHILD: JSON.stringify(config) };
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const node: ChildNode = {
    child,
    exited,
    kill: async () => {
      children.delete(node);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  children.add(node);
  await new Promise<void>((ready, reject) => {
    const timer = setTimeout(() => reject(new Error(`child node not ready within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    createInterface({ input: child.stdout! }).once('line', () => {
      clearTimeout(timer);
      ready();
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`child node exited before it was ready: ${stderr}`));
    });
  });
  return node;
}

export async function killAllChildren(): Promise<void> {
  await Promise.all([...children].map((node) => node.kill()));
}

/**
 * Hooks for a `describe` that runs nodes in child processes as well as in this one: the child
 * is compiled once; every node is stopped after each test and any child left at the end.
 */
export function useChildNodes(): void {
  // The child node's compile can take most of a loaded machine's 30 s test timeout.
  beforeAll(() => compileChild(), 180_000);
  afterAll(() => killAllChildren());
  afterEach(async () => {
    await killAllChildren();
    await stopAllNodes();
  });
}
