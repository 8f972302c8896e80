import { ERROR_CODES } from '../../common/errors';
import { pause, within } from './holds';
import type { SoakOptions } from './options';
import { operations, WEIGHTS, type OpKind } from './ops';
import type { Prng } from './prng';
import { codeOf } from './sim-client';
import type { World } from './world';

/** An operation still running after this long is reported as hung (the service's own timeouts are seconds). */
const HUNG_AFTER_MS = 60_000;

/** Codes an operation may fail with: the documented ones, and the soak's own racing with itself. */
const EXPECTED = new Set<string>([...ERROR_CODES, 'SOCKET_CLOSED', 'NOT_ATTACHED']);

/**
 * The chaos phase: `workers` loops, each picking a weighted random operation, running it, and
 * pausing a few ms of think time, until the time or the operation budget is spent. Returns once
 * every operation started has finished (or been reported hung).
 */
export async function runChaos(world: World, prng: Prng, options: SoakOptions): Promise<number> {
  const start = operations(world, prng);
  const began = Date.now();
  const deadline = began + options.seconds * 1_000;
  const running = new Set<Promise<void>>();
  let started = 0;

  const track = (kind: OpKind, op: Promise<void>): Promise<void> => {
    const settled = op.then(
      () => world.tally.op(kind, undefined),
      (error: unknown) => {
        const code = codeOf(error);
        world.tally.op(kind, code, (error as Error)?.message);
        if (!EXPECTED.has(code)) world.tally.noteUnexpected(`${kind}: ${code}: ${(error as Error)?.message ?? String(error)}`);
      },
    );
    running.add(settled);
    void settled.finally(() => running.delete(settled));
    return guard(kind, settled);
  };

  const guard = (kind: OpKind, op: Promise<void>): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        world.tally.noteUnexpected(`${kind}: HUNG: still running after ${HUNG_AFTER_MS} ms`);
        resolve();
      }, HUNG_AFTER_MS);
      void op.finally(() => {
        clearTimeout(timer);
        resolve();
      });
    });

  const worker = async (): Promise<void> => {
    while (Date.now() < deadline && started < options.maxOps) {
      const kind = prng.weighted(WEIGHTS);
      let op: ReturnType<typeof start>;
      try {
        op = start(kind);
      } catch (error) {
        op = Promise.reject(error);
      }
      if (op !== 'skip') {
        started++;
        await track(kind, op);
      }
      await pause(prng.int(0, 8));
    }
  };

  await Promise.all(Array.from({ length: options.workers }, () => worker()));
  const chaosMs = Date.now() - began;
  if (!(await within(Promise.all([...running]), HUNG_AFTER_MS))) world.tally.noteUnexpected(`${running.size} operations never finished`);
  return chaosMs;
}
