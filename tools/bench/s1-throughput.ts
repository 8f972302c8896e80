import type { Envelope } from '../../common/envelope';
import { closedLoop, subjectLoop, type Throughput } from './drive';
import { droppedCount, NAMESPACE, openClient, startBench } from './harness';
import { ratio, type BenchOptions, type Row, type ScenarioReport } from './report';
import { median } from './stats';

const STREAMS = 10;
/** Messages per burst: what a busy feed hands over per 10 ms tick at 100k msgs/s. */
const BURST = 1000;
/** A second burst shape: smaller bursts, one per event-loop turn (setImmediate). */
const SMALL_BURST = 512;

async function throughTessera(sessions: number, timing: { warmupMs: number; durationMs: number }, burst: number): Promise<Throughput & { dropped: number }> {
  const { service, provider } = await startBench(STREAMS);
  try {
    let delivered = 0;
    const onEnvelope = (envelope: Envelope): void => {
      if (envelope.type === 'message') delivered++;
    };
    for (let i = 0; i < sessions; i++) await openClient(service, [`${NAMESPACE}::*`], onEnvelope);
    const result = await closedLoop({ burst: () => provider.burst(burst), perBurst: burst * sessions, delivered: () => delivered, window: 2, ...timing });
    return { ...result, dropped: await droppedCount(service) };
  } finally {
    await service.stop();
  }
}

/**
 * Scenario 1: throughput through the whole path (provider context → router port → router →
 * session out-buffers → session actors → client Observable), every session matching every
 * stream, against the same messages pushed through one RxJS Subject to as many subscribers.
 */
export async function throughput(options: BenchOptions): Promise<ScenarioReport> {
  const reps = options.quick ? 1 : 3;
  const timing = options.quick ? { warmupMs: 200, durationMs: 500 } : { warmupMs: 500, durationMs: 1500 };
  const ids = Array.from({ length: STREAMS }, (_, i) => `${NAMESPACE}::s${i}.trade`);
  const rows: Row[] = [];
  const details: Record<string, unknown> = { streams: STREAMS, burst: BURST, window: 2, reps, ...timing };
  const notes: string[] = [];
  for (const [sessions, target, burst] of [
    [1, 0.25, BURST],
    [100, 0.6, BURST],
    [100, 0.6, SMALL_BURST],
  ] as const) {
    const ours: number[] = [];
    const base: number[] = [];
    const oursCpu: number[] = [];
    const baseCpu: number[] = [];
    let dropped = 0;
    for (let r = 0; r < reps; r++) {
      const t = await throughTessera(sessions, timing, burst);
      ours.push(t.deliveriesPerSec);
      oursCpu.push(t.deliveriesPerCpuSec);
      dropped += t.dropped;
      const b = await subjectLoop(ids, sessions, burst, timing);
      base.push(b.deliveriesPerSec);
      baseCpu.push(b.deliveriesPerCpuSec);
    }
    if (dropped > 0) notes.push(`${sessions} session(s), bursts of ${burst}: ${dropped} messages dropped (the figures count deliveries only)`);
    const d = median(ours);
    const b = median(base);
    const label = `${sessions === 1 ? '1 session' : `${sessions} sessions`}${burst === BURST ? '' : `, bursts of ${burst}`}`;
    if (sessions > 1) rows.push({ label: `${label}: msgs/s`, value: d / sessions, unit: '/s', baseline: b / sessions, ratio: ratio(d, b) });
    const r = ratio(d, b);
    rows.push({ label: `${label}: deliveries/s${sessions === 1 ? ' (= msgs/s)' : ''}`, value: d, unit: '/s', baseline: b, ratio: r, target: `ratio >= ${target.toFixed(2)}`, pass: r >= target });
    details[`sessions${sessions}burst${burst}`] = { tessera: ours, subject: base, tesseraPerCpuSec: oursCpu, subjectPerCpuSec: baseCpu, dropped };
  }
  return {
    scenario: 1,
    title: `throughput, provider → client Observable (${STREAMS} streams, bursts of ${BURST}, every session on ${NAMESPACE}::*)`,
    baseline: 'the same messages through one RxJS Subject to the same number of subscribers',
    rows,
    details,
    notes,
  };
}
