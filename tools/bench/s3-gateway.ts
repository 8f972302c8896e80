import { assertNever } from '../../common/assert-never';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WebSocketServer, type WebSocket } from 'ws';
import type { MessageEnvelope } from '../../common/envelope';
import { silentLogger } from '../../common/logger';
import { encodeBatch } from '../../gateway/encode';
import { Gateway } from '../../gateway/server';
import { EnvelopeSource } from './drive';
import { NAMESPACE, startBench } from './harness';
import { ratio, type BenchOptions, type Row, type ScenarioReport } from './report';
import { median } from './stats';
import type { FromClients, ToClients } from './ws-clients';

export const STREAMS = 10;
export const BURST = 1000;
/** Messages per client that may be on their way (emitted, not yet counted by the slowest client). */
const WINDOW = 4 * BURST;
const OUT_BUFFER = 1 << 16;

export interface Server {
  readonly url: string;
  /** What the clients subscribe to; the gateway's `bench::*` when absent. */
  readonly pattern?: string;
  burst(): void;
  close(): Promise<void>;
}

/** The service behind the real gateway, driven by the benchmark provider. */
export async function gatewayServer(perMessageDeflate = false): Promise<Server> {
  const { service, provider } = await startBench(STREAMS);
  const gateway = await Gateway.start({ service, host: '127.0.0.1', port: 0, pingIntervalMs: 0, logger: silentLogger(), perMessageDeflate });
  return {
    url: gateway.url,
    burst: () => provider.burst(BURST),
    close: async () => {
      await gateway.close();
      await service.stop();
    },
  };
}

/**
 * Baseline: a bare `ws` server that answers the three setup frames and then sends every burst
 * of the same messages as one `batch` frame, encoded by the gateway's own encoder, to every client.
 */
export async function bareServer(): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const subscribers: WebSocket[] = [];
  let sessions = 0;
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: string; ref?: number; patterns?: string[] };
      if (frame.op === 'session.create') ws.send(JSON.stringify({ ref: frame.ref, op: 'session.created', sessionId: `bare-${++sessions}` }));
      else if (frame.op === 'session.attach') ws.send(JSON.stringify({ ref: frame.ref, op: 'attached' }));
      else if (frame.op === 'session.configure') {
        subscribers.push(ws);
        ws.send(JSON.stringify({ ref: frame.ref, op: 'configured', patterns: frame.patterns }));
      }
    });
    ws.on('close', () => subscribers.splice(subscribers.indexOf(ws), 1));
  });
  const source = new EnvelopeSource(Array.from({ length: STREAMS }, (_, i) => `${NAMESPACE}::s${i}.trade`));
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    burst: () => {
      const batch: MessageEnvelope[] = [];
      for (let k = 0; k < BURST; k++) batch.push(source.next());
      const text = encodeBatch(batch);
      for (const ws of subscribers) ws.send(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

export interface Measured {
  /** Messages per second, summed over the clients. */
  readonly rate: number;
  /** Bytes that crossed the wire per message received. */
  readonly wirePerMsg: number;
}

/** Received msgs/s summed over `clients` WebSocket clients in a worker thread. */
export async function measure(server: Server, clients: number, timing: { warmupMs: number; durationMs: number }, deflate = false, clientsFile = 'ws-clients.js'): Promise<Measured> {
  const worker = new Worker(path.join(__dirname, clientsFile));
  const send = (msg: ToClients): void => worker.postMessage(msg);
  let emitted = 0;
  let min = 0;
  let total = 0;
  let wire = 0;
  let lastProgress = performance.now();
  const topUp = (): void => {
    while (emitted - min < WINDOW) {
      server.burst();
      emitted += BURST;
    }
  };
  try {
    return await new Promise<Measured>((resolve, reject) => {
      let mark: { t: number; total: number; wire: number } | undefined;
      // Messages lost on the way would stall the window: after 250 ms without progress, push on.
      const guard = setInterval(() => {
        if (mark !== undefined && performance.now() - lastProgress > 250) {
          min = emitted;
          topUp();
        }
      }, 50);
      worker.on('error', reject);
      worker.on('message', (msg: FromClients) => {
        switch (msg.type) {
          case 'ready':
            setTimeout(() => {
              mark = { t: performance.now(), total, wire };
              setTimeout(() => {
                clearInterval(guard);
                const got = total - mark!.total;
                resolve({ rate: got / ((performance.now() - mark!.t) / 1000), wirePerMsg: (wire - mark!.wire) / Math.max(1, got) });
              }, timing.durationMs);
            }, timing.warmupMs);
            topUp();
            return;
          case 'progress':
            min = msg.min;
            total = msg.total;
            wire = msg.wire;
            lastProgress = performance.now();
            topUp();
            return;
          case 'failed':
            clearInterval(guard);
            reject(new Error(`ws clients: ${msg.message}`));
            return;
          case 'closed':
            return;
          default:
            return assertNever(msg);
        }
      });
      send({ type: 'start', url: server.url, clients, patterns: [server.pattern ?? `${NAMESPACE}::*`], outBuffer: OUT_BUFFER, step: BURST / 2, deflate });
    });
  } finally {
    // Stop emitting, let the clients close their sockets, then end the worker.
    server.burst = () => undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      worker.on('message', (msg: FromClients) => {
        if (msg.type === 'closed') {
          clearTimeout(timer);
          resolve();
        }
      });
      send({ type: 'stop' });
    });
    await worker.terminate();
  }
}

/** One client is bound by the client thread's parsing; 10 and 100 by the server's fan-out. */
const target = (clients: number): number => (clients === 1 ? 0.5 : 0.8);

/** 10 clients with permessage-deflate on, beside the same run with it off: bytes on the wire and rate. */
async function deflateRows(reps: number, timing: { warmupMs: number; durationMs: number }, details: Record<string, unknown>): Promise<Row[]> {
  const on: Measured[] = [];
  const off: Measured[] = [];
  for (let r = 0; r < reps; r++) {
    for (const [deflate, into] of [
      [true, on],
      [false, off],
    ] as const) {
      const server = await gatewayServer(deflate);
      try {
        into.push(await measure(server, 10, timing, deflate));
      } finally {
        await server.close();
      }
    }
  }
  const rate = (list: Measured[]): number => median(list.map((m) => m.rate));
  const bytes = (list: Measured[]): number => median(list.map((m) => m.wirePerMsg));
  details.deflate10 = { on, off };
  return [
    { label: '10 clients, permessage-deflate: msgs/s (baseline: off)', value: rate(on), unit: '/s', baseline: rate(off), ratio: ratio(rate(on), rate(off)) },
    { label: '10 clients, permessage-deflate: wire bytes/msg (baseline: off)', value: bytes(on), unit: 'B', baseline: bytes(off), ratio: ratio(bytes(on), bytes(off)) },
  ];
}

/** Scenario 3: messages per second received by real WebSocket clients on loopback. */
export async function gateway(options: BenchOptions): Promise<ScenarioReport> {
  const reps = options.quick ? 1 : 3;
  const timing = options.quick ? { warmupMs: 300, durationMs: 700 } : { warmupMs: 500, durationMs: 1500 };
  const rows: Row[] = [];
  const details: Record<string, unknown> = { streams: STREAMS, burst: BURST, window: WINDOW, reps, ...timing };
  for (const clients of [1, 10, 100]) {
    const ours: number[] = [];
    const base: number[] = [];
    for (let r = 0; r < reps; r++) {
      for (const [make, into] of [
        [gatewayServer, ours],
        [bareServer, base],
      ] as const) {
        const server = await make();
        try {
          // A hundred sockets take a while to connect and settle before the figure means anything.
          into.push((await measure(server, clients, clients >= 100 ? { ...timing, warmupMs: timing.warmupMs * 3 } : timing)).rate);
        } finally {
          await server.close();
        }
      }
    }
    const value = median(ours);
    const baseline = median(base);
    const r = ratio(value, baseline);
    rows.push({
      label: `${clients} client${clients === 1 ? '' : 's'}: msgs/s received (all clients)`,
      value,
      unit: '/s',
      baseline,
      ratio: r,
      target: `ratio >= ${target(clients).toFixed(2)}`,
      pass: r >= target(clients),
    });
    details[`clients${clients}`] = { gateway: ours, bareWs: base };
  }
  rows.push(...(await deflateRows(reps, timing, details)));
  return {
    scenario: 3,
    title: `WebSocket gateway on loopback (clients in a worker thread, ${STREAMS} streams, bursts of ${BURST}, bench::*)`,
    baseline: 'a bare ws server sending the same messages, encoded by the gateway encoder, one batch frame per burst',
    rows,
    details,
  };
}
