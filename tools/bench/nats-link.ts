/**
 * msgs/s of one stream across a NATS link (node A exports, node B imports, a session on B)
 * beside the same flow on one node (a session on A). Standalone:
 *
 *   npm run build && node dist/tools/bench/nats-link.js [--nats nats://host:4222] [--messages N] [--runs R]
 *
 * Without --nats it starts a throwaway nats-server on 127.0.0.1. Both nodes run in this one
 * process (so the link figure also pays for both nodes' work on the same cores). The driver
 * keeps a bounded window of messages in flight, so what is measured is sustained delivery,
 * with nothing dropped.
 */
import { performance } from 'node:perf_hooks';
import { NATS_DEFAULTS } from '../../cluster/config';
import { ClusterNode } from '../../cluster/node';
import { silentLogger } from '../../common/logger';
import { DataService } from '../../data-service';
import { SyntheticProvider } from '../../providers/synthetic';
import { NatsServer } from '../../test/support/nats-server';

const STREAM = 'btcusdt.ticks';
const WINDOW = 4_096;
const CHUNK = 512;

interface Args {
  readonly nats?: string;
  readonly messages: number;
  readonly runs: number;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return { nats: value('--nats'), messages: Number(value('--messages') ?? 200_000), runs: Number(value('--runs') ?? 3) };
}

async function startService(): Promise<DataService> {
  return DataService.start({ logger: silentLogger(), sessionDefaults: { idleAfterMs: 0, outBuffer: 1 << 16 } });
}

/** A session on `service` for `pattern`, counting messages; `close` ends it and reports drops. */
async function counter(service: DataService, pattern: string): Promise<{ count: () => number; close: () => Promise<number> }> {
  const id = await service.newSession({ idleAfterMs: 0 });
  const client = await service.attachClient(id, { outBuffer: 1 << 16 });
  let received = 0;
  const subscription = client.envelopes.subscribe((envelope) => envelope.type === 'message' && received++);
  await service.configureSession(id, [pattern]);
  return {
    count: () => received,
    close: async () => {
      const dropped = (await service.stats()).sessions.find((s) => s.id === id)?.dropped ?? 0;
      subscription.unsubscribe();
      await service.closeSession(id);
      return dropped;
    },
  };
}

/** Pumps `total` messages, never more than WINDOW ahead of what arrived; returns msgs/s. */
async function drive(pump: (n: number) => void, received: () => number, total: number): Promise<number> {
  const base = received();
  let sent = 0;
  const start = performance.now();
  while (received() - base < total) {
    const room = Math.min(CHUNK, total - sent, WINDOW - (sent - (received() - base)));
    if (room > 0) {
      pump(room);
      sent += room;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return total / ((performance.now() - start) / 1_000);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const server = args.nats === undefined ? await NatsServer.start() : undefined;
  const url = args.nats ?? server!.url;
  const synthetic = new SyntheticProvider({ emitMode: 'manual' });
  const a = await startService();
  const b = await startService();
  await a.addProvider('synthetic', synthetic);
  const config = { ...NATS_DEFAULTS, servers: [url], import: [], export: [] };
  const nodeA = await ClusterNode.start({ service: a, logger: silentLogger(), config: { ...config, node: 'bench-a', export: ['synthetic'] } });
  const nodeB = await ClusterNode.start({ service: b, logger: silentLogger(), config: { ...config, node: 'bench-b', import: [{ node: 'bench-a', provider: 'synthetic', as: 'remote' }] } });
  const pump = (n: number): void => void synthetic.pump(n);
  const local: number[] = [];
  const linked: number[] = [];
  let dropped = 0;
  try {
    // A short warm-up of both paths, then alternating runs so drift hits both alike.
    for (let run = -1; run < args.runs; run++) {
      const total = run < 0 ? Math.min(20_000, args.messages) : args.messages;
      const onA = await counter(a, `synthetic::${STREAM}`);
      const rateLocal = await drive(pump, onA.count, total);
      dropped += await onA.close();
      const onB = await counter(b, `remote::${STREAM}`);
      const rateLinked = await drive(pump, onB.count, total);
      dropped += await onB.close();
      if (run < 0) continue;
      local.push(rateLocal);
      linked.push(rateLinked);
    }
  } finally {
    await nodeB.stop();
    await nodeA.stop();
    await Promise.all([a.stop(), b.stop()]);
    await server?.stop();
  }
  const exporter = nodeA.stats().exporter;
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
  process.stdout.write(`nats-link: ${args.messages} messages of one synthetic stream per run, window ${WINDOW}, median of ${args.runs} runs\n`);
  process.stdout.write(`  one node (session on A)         ${fmt(median(local))} msgs/s\n`);
  process.stdout.write(`  across NATS (A -> B, session B) ${fmt(median(linked))} msgs/s  (${Math.round((100 * median(linked)) / median(local))} % of one node)\n`);
  process.stdout.write(`  dropped ${dropped}, unsent by the exporter ${exporter?.unsent ?? 0}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'nats-link', messages: args.messages, runs: args.runs, oneNode: Math.round(median(local)), acrossNats: Math.round(median(linked)), dropped })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`nats-link: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
