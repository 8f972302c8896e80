import { startBench, type Bench } from './harness';
import { scalePatterns } from './s4-scale';
import { heapAfterGc } from './stats';

/**
 * One side of scenario 5, in its own process (its own heap): a service with `alive` sessions like
 * scenario 4's (attached, two exact patterns each), then one probe per request from the parent:
 * newSession, configureSession with the pattern set of a live session (streams already running,
 * so ref-counts only), closeSession; it answers with the first two durations.
 */

export type ToControlNode = { readonly type: 'probe'; readonly i: number } | { readonly type: 'stop' };
export type FromControlNode =
  | { readonly type: 'ready'; readonly alive: number; readonly heapMB: number }
  | { readonly type: 'probed'; readonly newSessionMs: number; readonly configureMs: number }
  | { readonly type: 'failed'; readonly message: string };

const STREAMS = 1_000;

async function populate(bench: Bench, n: number): Promise<void> {
  const { service } = bench;
  for (let i = 0; i < n; i++) {
    const id = await service.newSession({ idleAfterMs: 0 });
    (await service.attachClient(id, { outBuffer: 1024 })).envelopes.subscribe(() => undefined);
    await service.configureSession(id, scalePatterns(i));
  }
}

async function probe(bench: Bench, alive: number, i: number): Promise<FromControlNode> {
  const { service } = bench;
  let t = performance.now();
  const id = await service.newSession({ idleAfterMs: 0 });
  const newSessionMs = performance.now() - t;
  t = performance.now();
  await service.configureSession(id, scalePatterns(i % alive));
  const configureMs = performance.now() - t;
  await service.closeSession(id);
  return { type: 'probed', newSessionMs, configureMs };
}

async function main(): Promise<void> {
  const alive = Number(process.argv[2]);
  if (!Number.isInteger(alive) || alive < 1) throw new Error(`control-node: bad session count ${process.argv[2]}`);
  const bench = await startBench(STREAMS);
  await populate(bench, alive);
  const send = (msg: FromControlNode): void => void process.send!(msg);
  send({ type: 'ready', alive, heapMB: heapAfterGc() / 2 ** 20 });
  process.on('message', (msg: ToControlNode) => {
    if (msg.type === 'stop') {
      void bench.service.stop().then(() => process.exit(0));
      return;
    }
    probe(bench, alive, msg.i).then(send, (error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
  });
}

main().catch((error: unknown) => {
  process.send?.({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
