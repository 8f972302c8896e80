import WebSocket from 'ws';

/**
 * The gateway handshake the benchmark clients share: open a socket, create a session, attach
 * and configure it. Kept apart from the worker scripts, which register message handlers when
 * loaded.
 */

/** Sends one control frame and waits for the answer that carries the same ref. */
export function call(ws: WebSocket, frame: Record<string, unknown>, ref: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const answer = JSON.parse(String(data)) as Record<string, unknown>;
      if (answer.ref !== ref) return;
      ws.off('message', onMessage);
      if (answer.op === 'error') reject(new Error(`${String(answer.code)}: ${String(answer.message)}`));
      else resolve(answer);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ ...frame, ref }));
  });
}

/** A socket with a fresh session, attached and configured with `patterns`. */
export async function subscribedSocket(url: string, patterns: readonly string[], outBuffer: number, deflate = false): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: deflate });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // A session that never times out is capped per gateway; a minute's idle timeout outlives any run.
  const created = await call(ws, { op: 'session.create', idleAfterMs: 60_000 }, 1);
  await call(ws, { op: 'session.attach', sessionId: created.sessionId, outBuffer, overflow: 'drop-newest' }, 2);
  await call(ws, { op: 'session.configure', patterns }, 3);
  return ws;
}
