import type { WorkerStats } from '../../common/service-types';
import type { WorkerRecord } from './worker-record';

/** What `stats()` says about one worker. */
export function workerStats(w: WorkerRecord): WorkerStats {
  return {
    name: w.name,
    state: w.state,
    streams: w.streams.live().length,
    msgs: w.counters.msgs,
    restarts: w.restarts,
    inputs: w.inputs.subscriber.bindings.size,
    received: w.port.received,
    dropped: w.port.dropped,
  };
}
