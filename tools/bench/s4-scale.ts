import { Subject } from 'rxjs';
import type { Envelope } from '../../common/envelope';
import { closedLoop, EnvelopeSource } from './drive';
import { NAMESPACE, startBench } from './harness';
import { ratio, type BenchOptions, type Row, type ScenarioReport } from './report';
import { hasGc, heapAfterGc, median, percentile } from './stats';

const STREAMS = 1_000;
/** Each burst emits once on every stream. */
const BURST = STREAMS;
const PATTERNS_PER_SESSION = 2;

/**
 * Session i's patterns: two exact patterns, streams a = i mod 1000 and a + 1 + ⌊i / 1000⌋, so
 * every session's set is distinct and every stream is wanted by the same number of sessions.
 */
export function scalePatterns(i: number, streams = STREAMS): string[] {
  const a = i % streams;
  const b = (a + 1 + Math.floor(i / streams)) % streams;
  return [`${NAMESPACE}::s${a}.trade`, `${NAMESPACE}::s${b}.trade`];
}

const KB = 1024;

/**
 * Scenario 4: 10,000 sessions with distinct sets of exact patterns over 1,000 streams: time to
 * configure each, heap per session, and routing throughput with all of them attached.
 */
export async function scale(options: BenchOptions): Promise<ScenarioReport> {
  const sessions = options.quick ? 2_000 : 10_000;
  const timing = options.quick ? { warmupMs: 300, durationMs: 700 } : { warmupMs: 500, durationMs: 2000 };
  const { service, provider } = await startBench(STREAMS);
  const rows: Row[] = [];
  try {
    const heap0 = heapAfterGc();

    const ids: string[] = [];
    let t = performance.now();
    for (let i = 0; i < sessions; i++) ids.push(await service.newSession({ idleAfterMs: 0 }));
    const createMs = performance.now() - t;
    const heap1 = heapAfterGc();

    let delivered = 0;
    const onEnvelope = (envelope: Envelope): void => {
      if (envelope.type === 'message') delivered++;
    };
    t = performance.now();
    for (const id of ids) (await service.attachClient(id, { outBuffer: 1024 })).envelopes.subscribe(onEnvelope);
    const attachMs = performance.now() - t;
    const heap2 = heapAfterGc();

    const configureMs: number[] = [];
    t = performance.now();
    for (let i = 0; i < sessions; i++) {
      const c = performance.now();
      await service.configureSession(ids[i], scalePatterns(i));
      configureMs.push(performance.now() - c);
    }
    const configureWallMs = performance.now() - t;
    const heap3 = heapAfterGc();

    const perBurst = BURST * PATTERNS_PER_SESSION * (sessions / STREAMS);
    const ours = await closedLoop({ burst: () => provider.burst(BURST), perBurst, delivered: () => delivered, window: 2, ...timing });
    const stats = await service.stats();
    const dropped = stats.router.dropped + stats.sessions.reduce((sum, s) => sum + s.dropped, 0);

    // Baseline: one RxJS Subject per stream, every session subscribed to its two subjects.
    const subjects = new Map<string, Subject<Envelope>>();
    for (let s = 0; s < STREAMS; s++) subjects.set(provider.stream(s), new Subject<Envelope>());
    let baseDelivered = 0;
    const onBase = (envelope: Envelope): void => {
      if (envelope.type === 'message') baseDelivered++;
    };
    const heapB0 = heapAfterGc();
    for (let i = 0; i < sessions; i++) for (const p of scalePatterns(i)) subjects.get(p)!.subscribe(onBase);
    const heapB1 = heapAfterGc();
    const source = new EnvelopeSource([...subjects.keys()]);
    const base = await closedLoop({
      burst: () => {
        for (let k = 0; k < BURST; k++) {
          const envelope = source.next();
          subjects.get(envelope.id)!.next(envelope);
        }
      },
      perBurst,
      delivered: () => baseDelivered,
      window: 2,
      ...timing,
    });
    for (const subject of subjects.values()) subject.complete();

    const configureMean = configureWallMs / sessions;
    const perSessionKB = (heap3 - heap0) / sessions / KB;
    rows.push({ label: `configure, per session (${PATTERNS_PER_SESSION} exact patterns, one at a time)`, value: configureMean, unit: 'ms' });
    rows.push({ label: 'configure, p99 of one call', value: percentile(configureMs, 0.99), unit: 'ms' });
    rows.push({
      label: `heap per idle session (created, attached, configured)`,
      value: perSessionKB,
      unit: 'KB',
      baseline: (heapB1 - heapB0) / sessions / KB,
      target: '<= 16 KB',
      pass: hasGc() && perSessionKB <= 16,
    });
    rows.push({ label: `routing with ${sessions} sessions: msgs/s`, value: ours.deliveriesPerSec / (perBurst / BURST), unit: '/s', baseline: base.deliveriesPerSec / (perBurst / BURST), ratio: ratio(ours.deliveriesPerSec, base.deliveriesPerSec) });
    rows.push({ label: `routing with ${sessions} sessions: deliveries/s`, value: ours.deliveriesPerSec, unit: '/s', baseline: base.deliveriesPerSec, ratio: ratio(ours.deliveriesPerSec, base.deliveriesPerSec) });
    return {
      scenario: 4,
      title: `scale: ${sessions} sessions, ${PATTERNS_PER_SESSION} distinct exact patterns each over ${STREAMS} streams (each stream wanted by ${(sessions * PATTERNS_PER_SESSION) / STREAMS})`,
      baseline: 'heap: one RxJS subscription per pattern; routing: one RxJS Subject per stream with the same subscribers',
      rows,
      details: {
        sessions,
        streams: STREAMS,
        gcExposed: hasGc(),
        createMsPerSession: createMs / sessions,
        attachMsPerSession: attachMs / sessions,
        configureMsPerSession: configureMean,
        configureMedianMs: median(configureMs),
        configureP99Ms: percentile(configureMs, 0.99),
        heapKBPerSession: { created: (heap1 - heap0) / sessions / KB, attached: (heap2 - heap0) / sessions / KB, configured: perSessionKB },
        heapMB: { before: heap0 / 2 ** 20, created: heap1 / 2 ** 20, attached: heap2 / 2 ** 20, configured: heap3 / 2 ** 20 },
        routing: { tessera: ours, rxjs: base, dropped },
      },
    };
  } finally {
    await service.stop();
  }
}
