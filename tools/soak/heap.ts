import { getHeapCodeStatistics, setFlagsFromString } from 'node:v8';
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

/** Heap in use, and the part of it that is code: bytecode, machine code and their metadata (warmed by the run, not data). */
export interface HeapFigure {
  readonly used: number;
  readonly code: number;
}

/** Heap in use after collecting until it stops shrinking (finalisers and weak maps take a few rounds). */
export async function settledHeap(gc: () => void): Promise<HeapFigure> {
  let best = Infinity;
  for (let round = 0; round < 6; round++) {
    gc();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const used = process.memoryUsage().heapUsed;
    const done = used >= best * 0.995;
    best = Math.min(best, used);
    if (done) break;
  }
  const code = getHeapCodeStatistics();
  return { used: best, code: code.code_and_metadata_size + code.bytecode_and_metadata_size };
}
