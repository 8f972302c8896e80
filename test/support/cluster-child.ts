/**
 * A cluster node in a process of its own, so a test can SIGKILL it: no goodbye, no release,
 * its NATS connection simply vanishes. Configured by the TESSERA_CHILD environment variable
 * (JSON); prints `ready` on stdout once its session (if any) is configured.
 */
import { NATS_DEFAULTS, type NatsConfig } from '../../cluster/config';
import { ClusterNode } from '../../cluster/node';
import { silentLogger } from '../../common/logger';
import { DataService } from '../../data-service';
import { SyntheticProvider } from '../../providers/synthetic';

interface ChildConfig {
  readonly nats: Partial<NatsConfig> & { readonly node: string; readonly servers: readonly string[] };
  /** Synthetic providers to add (by name) before joining. */
  readonly synthetic?: readonly string[];
  /** Patterns of one session opened after joining. */
  readonly patterns?: readonly string[];
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.TESSERA_CHILD ?? '{}') as ChildConfig;
  const logger = silentLogger();
  const service = await DataService.start({ logger });
  for (const name of config.synthetic ?? []) await service.addProvider(name, () => new SyntheticProvider({ symbols: ['btc', 'eth'] }));
  const cluster = await ClusterNode.start({ service, logger, config: { ...NATS_DEFAULTS, export: [], import: [], ...config.nats } });
  if (config.patterns !== undefined) {
    const session = await service.newSession({ idleAfterMs: 0 });
    (await service.attachClient(session)).envelopes.subscribe();
    await service.configureSession(session, config.patterns);
  }
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void cluster.stop().then(() => service.stop()).then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
