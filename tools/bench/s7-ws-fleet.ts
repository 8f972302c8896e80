import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WebSocketServer, type WebSocket } from 'ws';
import { silentLogger } from '../../common/logger';
import { Gateway } from '../../gateway/server';
import { NAMESPACE, startBench } from './harness';
import { ratio, type BenchOptions, type Row, type ScenarioReport } from './report';
import { hasGc, heapAfterGc, median, percentile, sleep } from './stats';
import type { FromFleet, ToFleet } from './ws-fleet';

/** Clients sampled for latency (each parses every frame it gets). */
const SAMPLED = 10;
const KB = 1024;
const wallNow = (): number => performance.timeOrigin + performance.now();

interface Fleet {
  readonly url: string;
  /** Emits `n` stamped messages as one burst. */
  emit(n: number): void;
  heap(): number;
  close(): Promise<void>;
}

async function gatewayFleet(): Promise<Fleet> {
  const { service, provider } = await startBench(1);
  const gateway = await Gateway.start({ service, host: '127.0.0.1', port: 0, pingIntervalMs: 0, maxConnections: 5_000, logger: silentLogger() });
  return {
    url: gateway.url,
    emit: (n) => {
      for (let k = 0; k < n; k++) provider.emit({ t: wallNow() });
    },
    heap: heapAfterGc,
    close: async () => {
      await gateway.close();
      await service.stop();
    },
  };
}

/** Baseline: a bare ws server that answers the setup frames and sends each burst as one frame to all. */
async function bareFleet(): Promise<Fleet> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const subscribers = new Set<WebSocket>();
  let seq = 0;
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: string; ref?: number; patterns?: string[] };
      if (frame.op === 'session.configure') subscribers.add(ws);
      const op = frame.op === 'session.create' ? 'session.created' : frame.op === 'session.attach' ? 'attached' : 'configured';
      ws.send(JSON.stringify({ ref: frame.ref, op, sessionId: 'bare', patterns: frame.patterns }));
    });
    ws.on('close', () => subscribers.delete(ws));
  });
  const { port } = wss.address() as { port: number };
  const id = `${NAMESPACE}::s0.trade`;
  return {
    url: `ws://127.0.0.1:${port}`,
    emit: (n) => {
      const items: string[] = [];
      for (let k = 0; k < n; k++) items.push(JSON.stringify({ op: 'msg', id, seq: ++seq, ts: Date.now(), payload: { t: wallNow() } }));
      const frame = Buffer.from(items.length === 1 ? items[0] : `{"op":"batch","items":[${items.join(',')}]}`);
      for (const ws of subscribers) ws.send(frame, { binary: false });
    },
    heap: heapAfterGc,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

interface FleetRun {
  readonly heapPerClientKB: number;
  readonly p50: number;
  readonly p99: number;
  readonly stamped: number;
  readonly received: number;
}

function ask(worker: Worker, msg: ToFleet): Promise<FromFleet> {
  return new Promise((resolve, reject) => {
    worker.once('message', (answer: FromFleet) => (answer.type === 'failed' ? reject(new Error(`fleet: ${answer.message}`)) : resolve(answer)));
    worker.once('error', reject);
    worker.postMessage(msg);
  });
}

/**
 * Open loop: every `tickMs` the pacer emits what the clock says is due at `rate`, stamped with the
 * wall clock, whether or not earlier messages arrived. Heap per client is read once the fleet is
 * connected and idle, before any traffic.
 */
async function run(make: () => Promise<Fleet>, clients: number, rate: number, timing: { warmupMs: number; durationMs: number }): Promise<FleetRun> {
  const fleet = await make();
  const worker = new Worker(path.join(__dirname, 'ws-fleet.js'));
  try {
    const heap0 = fleet.heap();
    await ask(worker, { type: 'start', url: fleet.url, clients, sampled: SAMPLED, pattern: `${NAMESPACE}::*` });
    await sleep(200);
    const heapPerClientKB = (fleet.heap() - heap0) / clients / KB;
    const start = wallNow();
    const from = start + timing.warmupMs;
    const to = from + timing.durationMs;
    let sent = 0;
    while (wallNow() < to) {
      const due = Math.floor(((wallNow() - start) * rate) / 1000) - sent;
      if (due > 0) fleet.emit(due);
      sent += Math.max(0, due);
      await sleep(5);
    }
    await sleep(500); // what is in flight arrives
    const done = (await ask(worker, { type: 'stop', from, to })) as Extract<FromFleet, { type: 'done' }>;
    return { heapPerClientKB, p50: percentile(done.latenciesMs, 0.5), p99: percentile(done.latenciesMs, 0.99), stamped: done.stamped, received: done.received };
  } finally {
    await worker.terminate();
    await fleet.close();
  }
}

/** Scenario 7: 100 and 1,000 WebSocket clients: latency at a fixed offered rate, heap per idle client. */
export async function wsFleet(options: BenchOptions): Promise<ScenarioReport> {
  const reps = options.quick ? 1 : 3;
  const timing = options.quick ? { warmupMs: 500, durationMs: 1000 } : { warmupMs: 1000, durationMs: 3000 };
  const plans = [
    { clients: 100, rate: 1_000 },
    { clients: 1_000, rate: 200 },
  ];
  const rows: Row[] = [];
  const details: Record<string, unknown> = { reps, ...timing, sampled: SAMPLED, plans };
  for (const { clients, rate } of plans) {
    const ours: FleetRun[] = [];
    const base: FleetRun[] = [];
    for (let r = 0; r < reps; r++) {
      ours.push(await run(gatewayFleet, clients, rate, timing));
      base.push(await run(bareFleet, clients, rate, timing));
    }
    const of = (list: FleetRun[], pick: (f: FleetRun) => number): number => median(list.map(pick));
    const label = `${clients} clients × ${rate} msgs/s`;
    for (const [name, pick] of [
      ['p50', (f: FleetRun) => f.p50],
      ['p99', (f: FleetRun) => f.p99],
    ] as const) {
      rows.push({ label: `${label}: emit → client ${name}`, value: of(ours, pick), unit: 'ms', baseline: of(base, pick), ratio: ratio(of(ours, pick), of(base, pick)) });
    }
    if (clients === 1_000 && hasGc()) {
      const heap = of(ours, (f) => f.heapPerClientKB);
      rows.push({ label: `${clients} idle clients: server heap per client`, value: heap, unit: 'KB', baseline: of(base, (f) => f.heapPerClientKB), target: '<= 32 KB', pass: heap <= 32 });
    }
    details[`clients${clients}`] = { gateway: ours, bareWs: base };
  }
  return {
    scenario: 7,
    title: `WebSocket fleet on loopback (clients in a worker thread, ${SAMPLED} of them timed, one stream, every client on ${NAMESPACE}::*; medians of ${reps})`,
    baseline: 'a bare ws server sending the same stamped messages, one frame per burst shared by all sockets',
    rows,
    details,
  };
}
