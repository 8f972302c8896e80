import { readFileSync } from 'node:fs';

/** Small numeric helpers for the benchmarks: medians, percentiles, a latency histogram, heap. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..1) of raw samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/**
 * Latency histogram in microseconds: 1 µs buckets up to 10 ms, 100 µs buckets up to 1 s, then
 * one overflow bucket (its samples are reported as the largest seen). Recording is a few
 * arithmetic operations and one typed-array increment, so it can sit in a client callback.
 */
export class Histogram {
  private static readonly FINE = 10_000;
  private static readonly COARSE = 9_900;
  private readonly counts = new Float64Array(Histogram.FINE + Histogram.COARSE + 1);
  count = 0;
  max = 0;
  private sum = 0;

  /** Records one sample given in milliseconds. */
  recordMs(ms: number): void {
    const us = ms * 1000;
    let i: number;
    if (us < Histogram.FINE) i = us < 0 ? 0 : us | 0;
    else if (us < 1_000_000) i = Histogram.FINE + (((us - Histogram.FINE) / 100) | 0);
    else i = Histogram.FINE + Histogram.COARSE;
    this.counts[i]++;
    this.count++;
    this.sum += us;
    if (us > this.max) this.max = us;
  }

  /** Percentile (0..1) in milliseconds; a bucket reports its upper edge. */
  percentileMs(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        if (i < Histogram.FINE) return (i + 1) / 1000;
        if (i < Histogram.FINE + Histogram.COARSE) return Math.min(this.max, Histogram.FINE + (i - Histogram.FINE + 1) * 100) / 1000;
        return this.max / 1000;
      }
    }
    return this.max / 1000;
  }

  get meanMs(): number {
    return this.count === 0 ? NaN : this.sum / this.count / 1000;
  }
}

/** Heap in use after full collections (needs `--expose-gc`; without it, a best effort). */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

export function hasGc(): boolean {
  return typeof (globalThis as { gc?: () => void }).gc === 'function';
}

/** Yields to the event loop once (after nact's queued actor turns). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `predicate` holds, checking every turn; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await nextTurn();
  }
}

/** CPU time (ms) the whole machine has spent busy, from /proc/stat; undefined where there is none. */
function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Measures how many cores' worth of CPU other processes used while `work` ran (Linux; NaN
 * elsewhere), so a figure taken on a shared machine can say so.
 */
export async function withOthersLoad<T>(work: () => Promise<T>): Promise<{ result: T; othersCores: number }> {
  const busy0 = machineBusyMs();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const busy1 = machineBusyMs();
  const own = process.cpuUsage(own0);
  const wall = performance.now() - t0;
  const othersCores = busy0 === undefined || busy1 === undefined ? NaN : Math.max(0, busy1 - busy0 - (own.user + own.system) / 1000) / wall;
  return { result, othersCores };
}
