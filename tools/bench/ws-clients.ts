import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { subscribedSocket } from './ws-setup';

/**
 * WebSocket clients for scenario 3, run in a worker thread so the clients do not share the
 * server's event loop. Each client speaks the gateway protocol (create, attach, configure) and
 * then only counts `{"op":"msg"` items in the frames it receives (no JSON parse: the figure is
 * the server's). Progress goes to the main thread whenever the slowest client moves on by `step`.
 */

export type ToClients = { readonly type: 'start'; readonly url: string; readonly clients: number; readonly patterns: readonly string[]; readonly outBuffer: number; readonly step: number; readonly deflate?: boolean } | { readonly type: 'stop' };

export type FromClients =
  | { readonly type: 'ready' }
  /** `wire`: bytes read off the sockets so far (compressed, when permessage-deflate is on). */
  | { readonly type: 'progress'; readonly min: number; readonly total: number; readonly wire: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'closed' };

const NEEDLE = Buffer.from('{"op":"msg"');

function countItems(data: Buffer): number {
  let n = 0;
  let at = data.indexOf(NEEDLE);
  while (at !== -1) {
    n++;
    at = data.indexOf(NEEDLE, at + NEEDLE.length);
  }
  return n;
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function post(msg: FromClients): void {
  parentPort!.postMessage(msg);
}

let sockets: WebSocket[] = [];

/** ws keeps the TCP socket private; the bench reads its byte count to see what crossed the wire. */
function wireBytes(): number {
  let sum = 0;
  for (const ws of sockets) sum += (ws as unknown as { _socket?: { bytesRead: number } })._socket?.bytesRead ?? 0;
  return sum;
}

async function start(msg: Extract<ToClients, { type: 'start' }>): Promise<void> {
  sockets = await Promise.all(Array.from({ length: msg.clients }, () => subscribedSocket(msg.url, msg.patterns, msg.outBuffer, msg.deflate === true)));
  const counts = new Array<number>(sockets.length).fill(0);
  let posted = 0;
  let total = 0;
  sockets.forEach((ws, i) => {
    ws.on('message', (data) => {
      const n = countItems(toBuffer(data));
      counts[i] += n;
      total += n;
      let min = counts[0];
      for (let k = 1; k < counts.length; k++) if (counts[k] < min) min = counts[k];
      if (min - posted >= msg.step) {
        posted = min;
        post({ type: 'progress', min, total, wire: wireBytes() });
      }
    });
  });
  post({ type: 'ready' });
}

async function stop(): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(1000);
        }),
    ),
  );
  post({ type: 'closed' });
}

parentPort?.on('message', (msg: ToClients) => {
  const work = msg.type === 'start' ? start(msg) : stop();
  work.catch((error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
});
