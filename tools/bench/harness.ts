import type { Subscription } from 'rxjs';
import { DataService } from '../../data-service';
import type { Envelope } from '../../common/envelope';
import { silentLogger } from '../../common/logger';
import { BenchProvider } from './bench-provider';

export const NAMESPACE = 'bench';

export interface Bench {
  readonly service: DataService;
  readonly provider: BenchProvider;
}

/** A service with the benchmark provider and nothing else; logging off. */
export async function startBench(streams: number): Promise<Bench> {
  const service = await DataService.start({
    logger: silentLogger(),
    sessionDefaults: { idleAfterMs: 0, outBuffer: 1 << 16 },
    limits: { maxSessions: 1_000_000 },
  });
  const provider = new BenchProvider(NAMESPACE, streams);
  await service.addProvider(NAMESPACE, provider);
  return { service, provider };
}

export interface BenchClient {
  readonly sessionId: string;
  readonly subscription: Subscription;
}

/** A session with an attached client whose envelopes go to `onEnvelope`. */
export async function openClient(service: DataService, patterns: readonly string[], onEnvelope: (envelope: Envelope) => void, outBuffer = 1 << 16): Promise<BenchClient> {
  const sessionId = await service.newSession({ idleAfterMs: 0 });
  const client = await service.attachClient(sessionId, { outBuffer, overflow: 'drop-newest' });
  await service.configureSession(sessionId, patterns);
  const subscription = client.envelopes.subscribe(onEnvelope);
  return { sessionId, subscription };
}

/** Messages the service dropped anywhere (router or session buffers). */
export async function droppedCount(service: DataService): Promise<number> {
  const stats = await service.stats();
  return stats.router.dropped + stats.sessions.reduce((sum, s) => sum + s.dropped, 0);
}
