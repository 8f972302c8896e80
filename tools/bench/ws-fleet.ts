import { parentPort } from 'node:worker_threads';
import type WebSocket from 'ws';
import { subscribedSocket } from './ws-setup';

/**
 * A fleet of WebSocket clients for scenario 7, in a worker thread (its own heap and event loop).
 * Every client speaks the gateway protocol (create, attach, configure) and counts the messages it
 * gets; `sampled` of them, evenly spaced, also parse each frame and record, per message, the time
 * from the stamp in its payload (`t`, wall-clock ms with sub-ms precision) to its receipt here.
 */

export type ToFleet =
  | { readonly type: 'start'; readonly url: string; readonly clients: number; readonly sampled: number; readonly pattern: string }
  | { readonly type: 'stop'; readonly from: number; readonly to: number };

export type FromFleet =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly latenciesMs: number[]; readonly received: number; readonly stamped: number }
  | { readonly type: 'failed'; readonly message: string };

const wallNow = (): number => performance.timeOrigin + performance.now();
const NEEDLE = Buffer.from('{"op":"msg"');

function countItems(data: Buffer): number {
  let n = 0;
  for (let at = data.indexOf(NEEDLE); at !== -1; at = data.indexOf(NEEDLE, at + NEEDLE.length)) n++;
  return n;
}

interface Stamp {
  readonly t: number;
  readonly at: number;
}

let sockets: WebSocket[] = [];
const stamps: Stamp[] = [];
let received = 0;

function record(data: Buffer): void {
  const frame = JSON.parse(data.toString('utf8')) as { op: string; items?: { payload: { t: number } }[]; payload?: { t: number } };
  const at = wallNow();
  if (frame.op === 'batch') for (const item of frame.items ?? []) stamps.push({ t: item.payload.t, at });
  else if (frame.op === 'msg' && frame.payload) stamps.push({ t: frame.payload.t, at });
}

async function start(msg: Extract<ToFleet, { type: 'start' }>): Promise<void> {
  // Connect in groups: a thousand handshakes at once would be a benchmark of the accept queue.
  for (let i = 0; i < msg.clients; i += 50) {
    const group = await Promise.all(Array.from({ length: Math.min(50, msg.clients - i) }, () => subscribedSocket(msg.url, [msg.pattern], 1 << 16)));
    sockets.push(...group);
  }
  const step = Math.max(1, Math.floor(msg.clients / msg.sampled));
  sockets.forEach((ws, i) => {
    const sample = i % step === 0;
    ws.on('message', (data: Buffer) => {
      if (data[0] !== 0x7b || data[2] !== 0x6f) return; // not a msg/batch frame: `{"op"` only
      received += countItems(data);
      if (sample) record(data);
    });
  });
  parentPort!.postMessage({ type: 'ready' } satisfies FromFleet);
}

async function stop(msg: Extract<ToFleet, { type: 'stop' }>): Promise<void> {
  const inWindow = stamps.filter((s) => s.t >= msg.from && s.t < msg.to);
  for (const ws of sockets) ws.terminate();
  sockets = [];
  parentPort!.postMessage({ type: 'done', latenciesMs: inWindow.map((s) => s.at - s.t), received, stamped: inWindow.length } satisfies FromFleet);
}

parentPort?.on('message', (msg: ToFleet) => {
  const work = msg.type === 'start' ? start(msg) : stop(msg);
  work.catch((error: unknown) => parentPort!.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromFleet));
});
