import type { DataService } from '../data-service';
import { startBench } from './harness';
import { ratio, type BenchOptions, type Row, type ScenarioReport } from './report';
import { heapAfterGc, median, percentile } from './stats';
import { scalePatterns } from './s4-scale';

const STREAMS = 1_000;

interface ControlRun {
  readonly alive: number;
  readonly newSession: { p50: number; p99: number; max: number };
  readonly configure: { p50: number; p99: number; max: number };
  readonly heapMB: number;
}

function summary(samples: readonly number[]): { p50: number; p99: number; max: number } {
  return { p50: median(samples), p99: percentile(samples, 0.99), max: Math.max(...samples) };
}

/** `alive` sessions like scenario 4's (attached, two exact patterns), then timed control calls. */
async function measure(alive: number, calls: number): Promise<ControlRun> {
  const { service } = await startBench(STREAMS);
  try {
    await populate(service, alive);
    const heapMB = heapAfterGc() / 2 ** 20;
    const created: number[] = [];
    const configured: number[] = [];
    // Every probe session takes the pattern set of a live one (so the same work in both runs:
    // streams already running, ref-counts only), then closes, so the number alive stays put.
    for (let i = 0; i < calls + 50; i++) {
      let t = performance.now();
      const id = await service.newSession({ idleAfterMs: 0 });
      const createMs = performance.now() - t;
      t = performance.now();
      await service.configureSession(id, scalePatterns(i % alive));
      const configureMs = performance.now() - t;
      await service.closeSession(id);
      // The first 50 are warm-up.
      if (i >= 50) {
        created.push(createMs);
        configured.push(configureMs);
      }
    }
    return { alive, newSession: summary(created), configure: summary(configured), heapMB };
  } finally {
    await service.stop();
  }
}

async function populate(service: DataService, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const id = await service.newSession({ idleAfterMs: 0 });
    (await service.attachClient(id, { outBuffer: 1024 })).envelopes.subscribe(() => undefined);
    await service.configureSession(id, scalePatterns(i));
  }
}

/** Scenario 5: p99 of newSession and configureSession with 10,000 sessions alive, beside 10. */
export async function controlPlane(options: BenchOptions): Promise<ScenarioReport> {
  const calls = options.quick ? 300 : 1000;
  const many = options.quick ? 2_000 : 10_000;
  // A discarded first run warms the code paths up, so neither measured run pays for the JIT.
  await measure(10, Math.min(calls, 300));
  const few = await measure(10, calls);
  const lots = await measure(many, calls);
  const rows: Row[] = [];
  for (const op of ['newSession', 'configure'] as const) {
    const r = ratio(lots[op].p99, few[op].p99);
    rows.push({ label: `${op === 'configure' ? 'configureSession' : op} p99, ${many} alive`, value: lots[op].p99, unit: 'ms', baseline: few[op].p99, ratio: r, target: 'ratio <= 2', pass: r <= 2 });
  }
  return {
    scenario: 5,
    title: `control plane: ${calls} newSession + configureSession calls, one at a time, ${many} sessions alive`,
    baseline: 'the same calls with 10 sessions alive',
    rows,
    details: { calls, few, many: lots },
  };
}
