import type { ServiceStats } from '../../common/service-types';
import { WorkerRecord } from '../worker/worker-record';
import { workerStats } from '../worker/worker-stats';
import { workersOf, type ManagerParts } from './manager-parts';

/** Most sessions (and streams) a `stats` answer lists; the rest are counted. */
const MAX_LISTED = 1_000;

/** The service's stats, lists capped at MAX_LISTED with the rest counted. */
export async function serviceStats(parts: ManagerParts): Promise<ServiceStats> {
  const { providers, sessions } = parts;
  const router = await parts.router.stats();
  const streams = providers.streamStats(parts.streams);
  const omitted = Math.max(0, sessions.byId.size - MAX_LISTED);
  return {
    providers: providers.stats((p) => !(p instanceof WorkerRecord)),
    workers: workersOf(providers).map(workerStats),
    streams: streams.slice(0, MAX_LISTED),
    ...(streams.length > MAX_LISTED ? { streamsOmitted: streams.length - MAX_LISTED } : {}),
    ...(omitted > 0 ? { sessionsOmitted: omitted } : {}),
    sessions: sessions.stats(MAX_LISTED),
    sessionTotals: sessions.totals(),
    router,
  };
}
