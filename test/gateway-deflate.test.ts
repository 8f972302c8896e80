import WebSocket from 'ws';
import { startHarness, type Harness } from './support/gateway-harness';

/** Opens a raw socket that offers permessage-deflate (as browsers do) and reports what was agreed. */
async function offerDeflate(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: true });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

function nextFrame(ws: WebSocket, op: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (frame.op !== op) return;
      ws.off('message', onMessage);
      resolve(frame);
    };
    ws.on('message', onMessage);
  });
}

describe('permessage-deflate', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  test('is off by default: an offer from the client is declined', async () => {
    h = await startHarness();
    const ws = await offerDeflate(h.url);
    expect(ws.extensions).toBe('');
    ws.terminate();
  });

  test('when turned on it is agreed, and compressed frames carry the same messages', async () => {
    h = await startHarness({ gateway: { perMessageDeflate: true } });
    const ws = await offerDeflate(h.url);
    expect(ws.extensions).toContain('permessage-deflate');
    ws.send(JSON.stringify({ op: 'session.create' }));
    const { sessionId } = await nextFrame(ws, 'session.created');
    ws.send(JSON.stringify({ op: 'session.attach', sessionId }));
    await nextFrame(ws, 'attached');
    ws.send(JSON.stringify({ op: 'session.configure', patterns: ['synthetic::btcusdt.ticks'] }));
    await nextFrame(ws, 'configured');
    const message = nextFrame(ws, 'msg');
    h.synthetic.pump(1, 'synthetic::btcusdt.ticks');
    expect(await message).toMatchObject({ op: 'msg', id: 'synthetic::btcusdt.ticks', seq: 1 });
    ws.terminate();
  });
});
