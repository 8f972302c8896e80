import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection: `global.gc` under `--expose-gc` (as `npm run soak` runs), otherwise
 * the flag is turned on at run time and a fresh context hands out the function (under jest).
 */
export function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap in use after collecting until it stops shrinking (finalisers and weak maps take a few rounds). */
export async function settledHeapBytes(gc: () => void): Promise<number> {
  let best = Infinity;
  for (let round = 0; round < 6; round++) {
    gc();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const used = process.memoryUsage().heapUsed;
    if (used >= best * 0.995) return Math.min(best, used);
    best = Math.min(best, used);
  }
  return best;
}
