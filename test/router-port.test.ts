import type { MessageEnvelope } from '../common/envelope';
import { RouterPort } from '../router/port';

const msg = (id: string, seq: number): MessageEnvelope => ({ type: 'message', id, seq, epoch: 'e', ts: 0, payload: null });

describe('router port: nothing is lost unannounced', () => {
  test('gap marks keep their place among the pending messages', () => {
    const port = new RouterPort();
    let wakes = 0;
    port.connect(() => wakes++);
    port.push(msg('x::a', 1));
    port.gap({ type: 'notice', kind: 'gap', id: 'x::a', reason: 'r' });
    port.push(msg('x::a', 2));
    expect(wakes).toBe(1);
    expect(port.takeMarks()).toEqual([{ at: 1, notice: { type: 'notice', kind: 'gap', id: 'x::a', reason: 'r' } }]);
    expect(port.take().map((m) => m.seq)).toEqual([1, 2]);
    expect(port.takeMarks()).toEqual([]);
  });

  test('a gap alone wakes the router', () => {
    const port = new RouterPort();
    let wakes = 0;
    port.connect(() => wakes++);
    port.gap({ type: 'notice', kind: 'gap', id: 'x::a', reason: 'r' });
    expect(wakes).toBe(1);
  });

  test('messages dropped while no router takes them give their streams a gap notice on reconnect', () => {
    const port = new RouterPort(2);
    port.push(msg('x::a', 1));
    port.push(msg('x::a', 2));
    port.push(msg('x::b', 1));
    port.push(msg('x::a', 3));
    expect(port.dropped).toBe(2);
    let wakes = 0;
    port.connect(() => wakes++);
    expect(wakes).toBe(1);
    const marks = port.takeMarks();
    expect(marks.map((m) => [m.at, m.notice.id, m.notice.reason])).toEqual([
      [2, 'x::b', 'router-restart'],
      [2, 'x::a', 'router-restart'],
    ]);
  });

  test('messages a crashing router did not route are announced before anything newer', () => {
    const port = new RouterPort();
    port.push(msg('x::c', 9));
    port.gap({ type: 'notice', kind: 'gap', id: 'x::c', reason: 'later' });
    port.lost(['x::a', 'x::b', 'x::a']);
    expect(port.takeMarks().map((m) => [m.at, m.notice.id, m.notice.reason])).toEqual([
      [0, 'x::a', 'router-restart'],
      [0, 'x::b', 'router-restart'],
      [1, 'x::c', 'later'],
    ]);
  });
});
