import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { NATS_DEFAULTS } from '../../cluster/config';
import { ClusterNode } from '../../cluster/node';
import { silentLogger } from '../../common/logger';
import { DataService } from '../../data-service';
import { SyntheticProvider } from '../../providers/synthetic';
import { NATS_MISSING, NatsServer, natsServerBinary } from '../../test/support/nats-server';
import type { FromLinkNode, ToLinkNode } from './link-node';
import { pinToCore, unpin } from './pin';
import { ratio, type BenchOptions, type ScenarioReport } from './report';
import { median, nextTurn } from './stats';

const STREAM = 'btcusdt.ticks';
/** Messages that may be on their way (pumped, not yet counted at the receiving session). */
const WINDOW = 32_768;
const CHUNK = 512;
/** How often the importing node reports its count. */
const STEP = 256;

/** Pumps `total` messages, never more than WINDOW ahead of what arrived; returns msgs/s. */
async function drive(pump: (n: number) => void, received: () => number, total: number): Promise<number> {
  const base = received();
  let sent = 0;
  const start = performance.now();
  while (received() - base < total - STEP) {
    const room = Math.min(CHUNK, total - sent, WINDOW - (sent - (received() - base)));
    if (room > 0) {
      pump(room);
      sent += room;
    }
    await nextTurn();
  }
  return (received() - base) / ((performance.now() - start) / 1_000);
}

function linkNode(url: string): { child: ChildProcess; next: (type: FromLinkNode['type']) => Promise<FromLinkNode>; received: () => number } {
  const child = fork(path.join(__dirname, 'link-node.js'), [url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let received = 0;
  const waiting: { type: FromLinkNode['type']; resolve: (m: FromLinkNode) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (msg: FromLinkNode) => {
    if (msg.type === 'counted') received = msg.received;
    if (msg.type === 'failed') for (const w of waiting.splice(0)) w.reject(new Error(`link node: ${msg.message}`));
    const i = waiting.findIndex((w) => w.type === msg.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(msg);
  });
  return { child, received: () => received, next: (type) => new Promise((resolve, reject) => waiting.push({ type, resolve, reject })) };
}

/**
 * Scenario 8: one stream across a NATS link (node A exports, node B imports, a session on B),
 * each node in its own process as in a deployment, beside the same flow on one node with no
 * link. The driver keeps a bounded window in flight, so this is sustained delivery.
 */
export async function natsLink(options: BenchOptions): Promise<ScenarioReport> {
  const title = `NATS link: one synthetic stream, node A → nats-server → node B (own processes), window ${WINDOW}`;
  const baseline = 'the same flow to a session on one node with no link (its own service in the driver process)';
  if (natsServerBinary() === undefined) return { scenario: 8, title, baseline, rows: [], details: {}, notes: [`skipped: ${NATS_MISSING}`] };
  // A million messages a run: at 2 M/s a shorter run is over in a scheduler quantum or two.
  const messages = options.quick ? 50_000 : 1_000_000;
  const reps = options.quick ? 1 : 5;
  const server = await NatsServer.start();
  const synthetic = new SyntheticProvider({ emitMode: 'manual' });
  const a = await DataService.start({ logger: silentLogger(), sessionDefaults: { idleAfterMs: 0, outBuffer: 1 << 16 } });
  await a.addProvider('synthetic', synthetic);
  const config = { ...NATS_DEFAULTS, servers: [server.url], import: [], export: ['synthetic'], node: 'bench-a' };
  const nodeA = await ClusterNode.start({ service: a, logger: silentLogger(), config });
  const b = linkNode(server.url);
  const local: number[] = [];
  const linked: number[] = [];
  let dropped = 0;
  let pinned = false;
  try {
    await b.next('ready');
    // As deployed, each node has a machine of its own: node A (and the baseline's node, in this
    // process) get core 0, node B and nats-server core 1. Unpinned, nats-server's threads and
    // node B take turns on A's core and the figure says more about the scheduler than the link.
    const far = [b.child.pid, server.pid].filter((pid): pid is number => pid !== undefined);
    pinned = pinToCore([process.pid], 0) && pinToCore(far, 1);
    const send = (msg: ToLinkNode): void => void b.child.send(msg);
    const ready = b.next('ready');
    send({ type: 'count', stream: `remote::${STREAM}`, step: STEP });
    await ready;
    // The baseline is the same flow on a node of its own (no exporter listening), in this process.
    const solo = await DataService.start({ logger: silentLogger(), sessionDefaults: { idleAfterMs: 0, outBuffer: 1 << 16 } });
    const soloFeed = new SyntheticProvider({ emitMode: 'manual' });
    await solo.addProvider('synthetic', soloFeed);
    let onSolo = 0;
    const sessionId = await solo.newSession({ idleAfterMs: 0 });
    (await solo.attachClient(sessionId, { outBuffer: 1 << 16 })).envelopes.subscribe((e) => e.type === 'message' && onSolo++);
    await solo.configureSession(sessionId, [`synthetic::${STREAM}`]);
    try {
      for (let run = -1; run < reps; run++) {
        const total = run < 0 ? 100_000 : messages;
        const rateLocal = await drive((n) => void soloFeed.pump(n), () => onSolo, total);
        const rateLinked = await drive((n) => void synthetic.pump(n), b.received, total);
        if (run < 0) continue;
        local.push(rateLocal);
        linked.push(rateLinked);
      }
      dropped = (await solo.stats()).sessions.reduce((sum, s) => sum + s.dropped, 0);
    } finally {
      await solo.stop();
    }
    dropped += (await a.stats()).sessions.reduce((sum, s) => sum + s.dropped, 0);
    const stopped = b.next('stopped');
    send({ type: 'stop' });
    const exited = new Promise<void>((resolve) => b.child.once('exit', () => resolve()));
    dropped += ((await stopped) as Extract<FromLinkNode, { type: 'stopped' }>).dropped;
    await exited;
  } finally {
    unpin([process.pid]);
    b.child.kill();
    await nodeA.stop();
    await a.stop();
    await server.stop();
  }
  const value = median(linked);
  const base = median(local);
  const r = ratio(value, base);
  return {
    scenario: 8,
    title,
    baseline,
    rows: [{ label: 'msgs/s across the link', value, unit: '/s', baseline: base, ratio: r, target: 'ratio >= 0.50', pass: r >= 0.5 && dropped === 0 }],
    details: { messages, reps, local, linked, dropped, pinned, unsent: nodeA.stats().exporter?.unsent ?? 0 },
    notes: [...(dropped > 0 ? [`${dropped} messages dropped`] : []), ...(pinned ? [] : ['not pinned to cores (needs Linux, taskset and 2 cores): the nodes shared every core'])],
  };
}
