import { systemClock, type Clock } from '../common/clock';
import { toError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import type { DataService } from '../data-service';
import type { NatsConfig } from './config';
import { Exporter, type ExporterStats } from './exporter';
import { ImportedProvider } from './importer';
import { NatsLink } from './link';

export interface ClusterNodeOptions {
  readonly service: DataService;
  readonly config: NatsConfig;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Streams per internal exporter session (keep under the service's maxPatternsPerSession). */
  readonly streamsPerSession?: number;
  /** Out-buffer of each internal exporter session. */
  readonly exportBuffer?: number;
}

export interface ClusterStats {
  readonly node: string;
  readonly connected: boolean;
  readonly exporter?: ExporterStats;
  readonly imports: readonly string[];
}

/**
 * This service's membership of a group of nodes linked by NATS: one connection, an exporter
 * when the node offers providers, and one imported provider per `import` entry, mounted on the
 * service like any other provider. A partial start is undone.
 */
export class ClusterNode {
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly service: DataService,
    private readonly config: NatsConfig,
    private readonly link: NatsLink,
    readonly exporter: Exporter | undefined,
    private readonly imports: string[],
    private readonly logger: Logger,
  ) {}

  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { service, config } = options;
    const logger = (options.logger ?? createLogger()).child({ cmp: 'cluster', node: config.node });
    const link = await NatsLink.connect({ servers: config.servers, name: `tessera-${config.node}`, reconnectTimeWaitMs: config.reconnectTimeWaitMs, logger });
    const imports: string[] = [];
    let exporter: Exporter | undefined;
    try {
      if (config.export.length > 0) {
        exporter = Exporter.start(link, service, {
          node: config.node,
          providers: config.export,
          heartbeatMs: config.heartbeatMs,
          maxLeaseMs: Math.max(config.leaseMs, 60_000),
          sweepMs: Math.max(20, Math.min(1_000, Math.floor(config.leaseMs / 4))),
          streamsPerSession: options.streamsPerSession ?? 1_000,
          outBuffer: options.exportBuffer ?? 65_536,
          clock: options.clock ?? systemClock,
          logger,
        });
      }
      for (const entry of config.import) {
        const importOptions = { link, node: config.node, exporter: entry.node, provider: entry.provider, leaseMs: config.leaseMs, requestTimeoutMs: config.requestTimeoutMs };
        await service.addProvider(entry.as, () => new ImportedProvider(importOptions));
        imports.push(entry.as);
      }
      // Started means reachable: without this, a request sent right after start can reach the
      // server before the exporter's control subscription and get "no responders".
      await link.flush();
    } catch (error) {
      await new ClusterNode(service, config, link, exporter, imports, logger).stop();
      throw error;
    }
    logger.info('joined NATS', { servers: config.servers, exports: config.export, imports: config.import.map((i) => `${i.node}/${i.provider} as ${i.as}`) });
    return new ClusterNode(service, config, link, exporter, imports, logger);
  }

  get name(): string {
    return this.config.node;
  }

  stats(): ClusterStats {
    return { node: this.config.node, connected: this.link.connected, exporter: this.exporter?.stats(), imports: [...this.imports] };
  }

  /**
   * Leaves the group: imported providers are removed (giving their leases back), the exporter
   * says goodbye, the connection is drained. Call before stopping the service. Safe twice.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const name of this.imports.splice(0)) {
        await this.service.removeProvider(name).catch((error: unknown) => this.logger.debug('import not removed', { name, error: toError(error).message }));
      }
      await this.exporter?.stop().catch((error: unknown) => this.logger.warn('exporter did not stop cleanly', { error: toError(error).message }));
      await this.link.close();
    })();
    return this.stopping;
  }
}
