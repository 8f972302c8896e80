import * as os from 'node:os';
import type { Envelope } from '../../common/envelope';
import { droppedCount, NAMESPACE, openClient, startBench } from './harness';
import type { BenchOptions, Row, ScenarioReport } from './report';
import { Histogram, median, withOthersLoad } from './stats';

const STREAMS = 10;
/** Sessions whose callbacks read the clock (all of them when there are fewer). */
const SAMPLED = 10;
/** The pacer's timer period. */
const TICK_MS = 1;

interface Stamped {
  /** performance.now() at emit. */
  readonly t: number;
}

interface LatencyRun {
  readonly rate: number;
  readonly sessions: number;
  readonly offered: number;
  readonly achievedRate: number;
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
  readonly dropped: number;
  /** Stamped messages that never reached a timed session. */
  readonly lost: number;
  readonly timedSessions: number;
  readonly msgsPerBurst: number;
  /** Cores' worth of CPU that other processes on the machine used meanwhile. */
  readonly othersCores: number;
}

/**
 * Open loop, as a feed delivers: on a 1 ms timer the pacer emits, as one burst, every message the
 * clock says is due at `rate` (catching up if a tick came late), each stamped with
 * performance.now() in its payload, whether or not earlier ones have arrived. Each timed client
 * callback records now − stamp. Only messages emitted after the warm-up count.
 */
async function measure(rate: number, sessions: number, timing: { warmupMs: number; durationMs: number }): Promise<LatencyRun> {
  const { service, provider } = await startBench(STREAMS);
  try {
    const histogram = new Histogram();
    let measureFrom = Infinity;
    let measureTo = Infinity;
    let received = 0;
    const onEnvelope = (envelope: Envelope): void => {
      if (envelope.type !== 'message') return;
      const t = (envelope.payload as unknown as Stamped).t;
      if (t >= measureFrom && t < measureTo) {
        histogram.recordMs(performance.now() - t);
        received++;
      }
    };
    // Every session gets every message; the clock is read in SAMPLED of them (evenly spaced, the
    // last one served included), so a hundred clock reads per message do not become the load.
    const step = Math.max(1, Math.floor(sessions / SAMPLED));
    const onCount = (): void => undefined;
    let timed = 0;
    for (let i = 0; i < sessions; i++) {
      const sample = (sessions - 1 - i) % step === 0;
      if (sample) timed++;
      await openClient(service, [`${NAMESPACE}::*`], sample ? onEnvelope : onCount);
    }

    const start = performance.now();
    measureFrom = start + timing.warmupMs;
    measureTo = measureFrom + timing.durationMs;
    let sent = 0;
    let offered = 0;
    let bursts = 0;
    const pace = (): Promise<void> =>
      new Promise<void>((resolve) => {
        const tick = (): void => {
          const now = performance.now();
          if (now >= measureTo) return resolve();
          const due = Math.floor(((now - start) * rate) / 1000) - sent;
          for (let k = 0; k < due; k++) {
            const t = performance.now();
            provider.emit({ t });
            if (t >= measureFrom) offered++;
          }
          sent += due;
          bursts++;
          setTimeout(tick, TICK_MS);
        };
        tick();
      });
    const { othersCores } = await withOthersLoad(pace);
    // Let what is in flight arrive (bounded), then read the figures.
    const expected = offered * timed;
    const deadline = performance.now() + 2000;
    while (received < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return {
      rate,
      sessions,
      offered,
      achievedRate: offered / (timing.durationMs / 1000),
      samples: histogram.count,
      p50: histogram.percentileMs(0.5),
      p99: histogram.percentileMs(0.99),
      p999: histogram.percentileMs(0.999),
      max: histogram.max / 1000,
      mean: histogram.meanMs,
      dropped: await droppedCount(service),
      lost: expected - received,
      timedSessions: timed,
      msgsPerBurst: sent / bursts,
      othersCores,
    };
  } finally {
    await service.stop();
  }
}

/** Scenario 2: latency from `emit` to the client's callback under an open-loop offered rate. */
export async function latency(options: BenchOptions): Promise<ScenarioReport> {
  const reps = options.quick ? 1 : 3;
  const timing = options.quick ? { warmupMs: 300, durationMs: 700 } : { warmupMs: 500, durationMs: 2000 };
  const rows: Row[] = [];
  const runs: LatencyRun[] = [];
  for (const rate of [50_000, 200_000]) {
    for (const sessions of [1, 100]) {
      const mine: LatencyRun[] = [];
      for (let r = 0; r < reps; r++) mine.push(await measure(rate, sessions, timing));
      runs.push(...mine);
      const of = (pick: (run: LatencyRun) => number): number => median(mine.map(pick));
      const label = `${rate / 1000}k msgs/s × ${sessions} session${sessions === 1 ? '' : 's'}`;
      const p99 = of((run) => run.p99);
      const lost = mine.reduce((sum, run) => sum + run.lost, 0);
      const isTarget = rate === 50_000 && sessions === 100;
      rows.push({ label: `${label}: p50`, value: of((run) => run.p50), unit: 'ms' });
      rows.push({ label: `${label}: p99`, value: p99, unit: 'ms', ...(isTarget ? { target: 'p99 <= 1 ms', pass: p99 <= 1 && lost === 0 } : {}) });
      rows.push({ label: `${label}: p999`, value: of((run) => run.p999), unit: 'ms' });
    }
  }
  const notes: string[] = [];
  for (const rate of [50_000, 200_000]) {
    for (const sessions of [1, 100]) {
      const mine = runs.filter((run) => run.rate === rate && run.sessions === sessions);
      const busy = Math.max(...mine.map((run) => run.othersCores));
      const what = `${rate / 1000}k × ${sessions}`;
      if (busy > 0.25) notes.push(`${what}: other processes used up to ${busy.toFixed(1)} of ${os.cpus().length} cores meanwhile; the tails include waiting for them`);
      const lost = mine.reduce((sum, run) => sum + run.lost, 0);
      const dropped = mine.reduce((sum, run) => sum + run.dropped, 0);
      if (lost + dropped > 0) notes.push(`${what}: ${lost} stamped messages not delivered in time, ${dropped} dropped`);
    }
  }
  return {
    scenario: 2,
    title: `latency, emit → client callback (open loop, ${STREAMS} streams, bursts every ${TICK_MS} ms, every session on ${NAMESPACE}::*, clock read in ${SAMPLED} evenly spaced sessions; medians of ${reps})`,
    baseline: 'none (absolute target)',
    rows,
    details: { reps, ...timing, runs },
    notes,
  };
}
