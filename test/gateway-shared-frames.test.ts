import type { MessageEnvelope } from '../common/envelope';
import { Outbound, type SendTarget } from '../gateway/outbound';

/** Sockets that receive the same run of messages send one encoding of it, not one each. */
function recordingSocket(): { socket: SendTarget; sent: (string | Buffer)[] } {
  const sent: (string | Buffer)[] = [];
  return { sent, socket: { readyState: 1, bufferedAmount: 0, send: (data, _options, done) => (sent.push(data), done()) } };
}

const msg = (seq: number): MessageEnvelope => ({ type: 'message', id: 'x::a', seq, epoch: 'e', ts: 1, payload: { n: seq } });
const options = { highWaterBytes: 1e9, lowWaterBytes: 0, maxBatch: 100 };

test('the same batch to many sockets is encoded once and the same bytes are sent to each', () => {
  const batch = Array.from({ length: 50 }, (_, i) => msg(i + 1));
  const sockets = Array.from({ length: 10 }, recordingSocket);
  for (const { socket } of sockets) {
    const outbound = new Outbound(socket, options);
    for (const m of batch) outbound.pushEnvelope(m);
    outbound.flush();
  }
  const first = sockets[0].sent[0];
  expect(Buffer.isBuffer(first)).toBe(true);
  for (const { sent } of sockets) {
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBe(first);
  }
  const frame = JSON.parse(String(first)) as { op: string; items: { seq: number }[] };
  expect(frame.op).toBe('batch');
  expect(frame.items.map((i) => i.seq)).toEqual(batch.map((m) => m.seq));
});

test('a socket whose run differs (same ends, other middle) gets its own frame', () => {
  const [a, b, c, d] = [msg(1), msg(2), msg(3), msg(4)];
  const one = recordingSocket();
  const two = recordingSocket();
  const send = (target: SendTarget, run: MessageEnvelope[]): void => {
    const outbound = new Outbound(target, options);
    for (const m of run) outbound.pushEnvelope(m);
    outbound.flush();
  };
  send(one.socket, [a, b, d]);
  send(two.socket, [a, c, d]);
  const seqs = (data: string | Buffer): number[] => (JSON.parse(String(data)) as { items: { seq: number }[] }).items.map((i) => i.seq);
  expect(seqs(one.sent[0])).toEqual([1, 2, 4]);
  expect(seqs(two.sent[0])).toEqual([1, 3, 4]);
});
