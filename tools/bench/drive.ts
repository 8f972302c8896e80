import { Subject } from 'rxjs';
import type { Envelope, MessageEnvelope } from '../../common/envelope';
import type { JsonValue } from '../../common/json';
import { tradePayloads } from './bench-provider';

export interface ClosedLoop {
  /** Emits one burst. */
  burst(): void;
  /** Deliveries one burst is worth once every client has it. */
  readonly perBurst: number;
  /** Deliveries counted at the clients so far. */
  delivered(): number;
  /** How many bursts may be in flight (emitted, not yet delivered everywhere). */
  readonly window: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface Throughput {
  readonly deliveriesPerSec: number;
  /** Deliveries per second of this process's CPU time (user + system): steadier on a busy machine. */
  readonly deliveriesPerCpuSec: number;
  readonly burstsPerSec: number;
  readonly elapsedMs: number;
}

/**
 * Drives bursts as fast as the clients take them, never more than `window` bursts ahead, one
 * check per event-loop turn; measures deliveries over `durationMs` after `warmupMs`.
 */
export function closedLoop(loop: ClosedLoop): Promise<Throughput> {
  return new Promise((resolve) => {
    const start = performance.now();
    let bursts = 0;
    let mark: { t: number; cpu: NodeJS.CpuUsage; delivered: number; bursts: number } | undefined;
    const limit = loop.window * loop.perBurst;
    const step = (): void => {
      const now = performance.now();
      if (mark === undefined) {
        if (now - start >= loop.warmupMs) mark = { t: now, cpu: process.cpuUsage(), delivered: loop.delivered(), bursts };
      } else if (now - mark.t >= loop.durationMs) {
        const seconds = (now - mark.t) / 1000;
        const cpu = process.cpuUsage(mark.cpu);
        const delivered = loop.delivered() - mark.delivered;
        resolve({
          deliveriesPerSec: delivered / seconds,
          deliveriesPerCpuSec: delivered / ((cpu.user + cpu.system) / 1e6),
          burstsPerSec: (bursts - mark.bursts) / seconds,
          elapsedMs: now - mark.t,
        });
        return;
      }
      // At most `window` bursts per turn: a synchronous baseline delivers as it emits.
      for (let n = 0; n < loop.window && bursts * loop.perBurst - loop.delivered() < limit; n++) {
        loop.burst();
        bursts++;
      }
      setImmediate(step);
    };
    step();
  });
}

/**
 * The same messages as the benchmark provider emits (one envelope object per message, shared by
 * every subscriber, `ts` from Date.now()), produced without the service, for the baselines.
 */
export class EnvelopeSource {
  private readonly seqs: number[];
  private readonly payloads: JsonValue[] = tradePayloads();
  private cursor = 0;
  private sent = 0;

  constructor(private readonly ids: readonly string[]) {
    this.seqs = ids.map(() => 0);
  }

  next(): MessageEnvelope {
    const s = this.cursor;
    if (++this.cursor === this.ids.length) this.cursor = 0;
    return { type: 'message', id: this.ids[s], seq: ++this.seqs[s], epoch: 'bench', ts: Date.now(), eventTs: undefined, payload: this.payloads[this.sent++ & 255] };
  }
}

/** Baseline: one RxJS Subject, `subscribers` subscribers, the same messages in the same bursts. */
export function subjectLoop(ids: readonly string[], subscribers: number, burstSize: number, timing: { warmupMs: number; durationMs: number }): Promise<Throughput> {
  const subject = new Subject<Envelope>();
  let delivered = 0;
  const onEnvelope = (envelope: Envelope): void => {
    if (envelope.type === 'message') delivered++;
  };
  for (let i = 0; i < subscribers; i++) subject.subscribe(onEnvelope);
  const source = new EnvelopeSource(ids);
  return closedLoop({
    burst: () => {
      for (let k = 0; k < burstSize; k++) subject.next(source.next());
    },
    perBurst: burstSize * subscribers,
    delivered: () => delivered,
    window: 2,
    ...timing,
  }).finally(() => subject.complete());
}
