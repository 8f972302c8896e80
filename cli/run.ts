import { createLogger, levelFromEnv, type Logger } from '../common/logger';
import { DataService } from '../data-service';
import { ClusterNode } from '../cluster/node';
import { Gateway } from '../gateway/server';
import { loadConfig, type TesseraConfig } from './config';

export interface RunOptions {
  readonly config?: string;
  readonly host?: string;
  readonly port?: number;
  readonly logLevel?: string;
  /** NATS server URLs (`--nats`). */
  readonly nats?: readonly string[];
}

/** Starts the service from the configuration, adding each provider and worker; undoes it all on failure. */
async function startService(config: TesseraConfig, logger: Logger): Promise<DataService> {
  const service = await DataService.start({
    logger,
    publishNamespaces: config.publishNamespaces,
    sessionDefaults: config.sessions,
    limits: config.limits,
    ...(config.limits.providerCallTimeoutMs === undefined ? {} : { providerCallTimeoutMs: config.limits.providerCallTimeoutMs }),
  });
  try {
    for (const provider of config.providers) await service.addProvider(provider.name, provider.factory);
    for (const worker of config.workers) await service.addWorker(worker.name, worker.factory);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}

/**
 * `tessera run`: the service and its gateway until SIGINT/SIGTERM (exit 0) or a fatal manager
 * crash (exit 1). The URL line is the first thing on stdout; everything else goes to the log.
 */
export async function run(options: RunOptions): Promise<number> {
  const logger = createLogger({ level: options.logLevel ?? levelFromEnv() });
  const log = logger.child({ cmp: 'runner' });
  const config = loadConfig(options.config, { host: options.host, port: options.port, nats: options.nats });
  const service = await startService(config, logger);
  let gateway: Gateway;
  let cluster: ClusterNode | undefined;
  try {
    if (config.nats !== undefined) cluster = await ClusterNode.start({ service, config: config.nats, logger });
    gateway = await Gateway.start({ service, ...config.gateway, endpoints: config.endpoints, logger });
  } catch (error) {
    await cluster?.stop();
    await service.stop();
    throw error;
  }
  process.stdout.write(`listening on ${gateway.url}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string, code: number): void => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { why });
      // The gateway first, so every socket gets its close frame while the service still answers.
      void gateway
        .close()
        .then(() => cluster?.stop())
        .then(() => service.stop())
        .catch((error: unknown) => log.error('shutdown was not clean', { error: String(error) }))
        .then(() => resolve(code));
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn('second signal: exiting now', { signal });
        process.exit(1);
      }
      stop(signal, 0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void service.terminated.then(({ fatal }) => {
      if (fatal) stop(`fatal: ${fatal.message}`, 1);
    });
  });
}
