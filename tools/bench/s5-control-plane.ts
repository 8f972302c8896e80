import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { ratio, type BenchOptions, type Row, type ScenarioReport } from './report';
import { median, percentile } from './stats';
import type { FromControlNode, ToControlNode } from './control-node';

interface Node {
  readonly child: ChildProcess;
  readonly ready: Extract<FromControlNode, { type: 'ready' }>;
  probe(i: number): Promise<Extract<FromControlNode, { type: 'probed' }>>;
  stop(): Promise<void>;
}

/** A control node (bench/control-node.ts) with `alive` sessions, in its own process. */
async function startNode(alive: number): Promise<Node> {
  const child = fork(path.join(__dirname, 'control-node.js'), [String(alive)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let waiting: { resolve(msg: FromControlNode): void; reject(error: Error): void } | undefined;
  let gone: Error | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      gone ??= new Error(`control node (${alive} alive) exited with ${signal ?? `code ${code}`}`);
      waiting?.reject(gone);
      resolve();
    }),
  );
  child.on('message', (msg: FromControlNode) => {
    const current = waiting;
    waiting = undefined;
    if (msg.type === 'failed') {
      gone = new Error(`control node (${alive} alive): ${msg.message}`);
      current?.reject(gone);
    } else current?.resolve(msg);
  });
  const next = (): Promise<FromControlNode> =>
    new Promise((resolve, reject) => {
      if (gone) reject(gone);
      else waiting = { resolve, reject };
    });
  const ready = (await next()) as Extract<FromControlNode, { type: 'ready' }>;
  return {
    child,
    ready,
    probe: (i) => {
      const answer = next() as Promise<Extract<FromControlNode, { type: 'probed' }>>;
      child.send({ type: 'probe', i } satisfies ToControlNode);
      return answer;
    },
    stop: async () => {
      child.send({ type: 'stop' } satisfies ToControlNode);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill();
    },
  };
}

function summary(samples: readonly number[]): { p50: number; p99: number; max: number } {
  return { p50: median(samples), p99: percentile(samples, 0.99), max: Math.max(...samples) };
}

/**
 * Scenario 5: p99 of newSession and configureSession with 10,000 sessions alive, beside the same
 * with 10. Each side is its own process with its own heap; the probes alternate between them, one
 * at a time, so a burst of noise from the rest of the machine lands on both sides alike.
 */
export async function controlPlane(options: BenchOptions): Promise<ScenarioReport> {
  const calls = options.quick ? 300 : 1000;
  const many = options.quick ? 2_000 : 10_000;
  const warmup = 100;
  const [few, lots] = await Promise.all([startNode(10), startNode(many)]);
  try {
    const samples = { few: { newSession: [] as number[], configure: [] as number[] }, many: { newSession: [] as number[], configure: [] as number[] } };
    for (let i = 0; i < warmup + calls; i++) {
      for (const [node, into] of [
        [few, samples.few],
        [lots, samples.many],
      ] as const) {
        const probed = await node.probe(i);
        if (i < warmup) continue;
        into.newSession.push(probed.newSessionMs);
        into.configure.push(probed.configureMs);
      }
    }
    const rows: Row[] = [];
    const details: Record<string, unknown> = { calls, warmup, heapMB: { few: few.ready.heapMB, many: lots.ready.heapMB } };
    for (const op of ['newSession', 'configure'] as const) {
      const a = summary(samples.few[op]);
      const b = summary(samples.many[op]);
      const r = ratio(b.p99, a.p99);
      rows.push({ label: `${op === 'configure' ? 'configureSession' : op} p99, ${many} alive`, value: b.p99, unit: 'ms', baseline: a.p99, ratio: r, target: 'ratio <= 2', pass: r <= 2 });
      details[op] = { few: a, many: b };
    }
    return {
      scenario: 5,
      title: `control plane: ${calls} newSession + configureSession calls, one at a time, ${many} sessions alive (two processes, probes alternating)`,
      baseline: 'the same calls with 10 sessions alive',
      rows,
      details,
    };
  } finally {
    await Promise.all([few.stop(), lots.stop()]);
  }
}
