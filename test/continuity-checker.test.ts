import { ContinuityChecker } from '../testkit';

const m = (seq: number, extra: { epoch?: string; id?: string; state?: boolean; cached?: boolean; ts?: number } = {}) => ({ id: extra.id ?? 'x::a', seq, epoch: extra.epoch ?? 'e1', ts: extra.ts ?? seq, ...extra });

describe('continuity checker', () => {
  test('a continuous stream is fine; a skip nobody announced is a loss', () => {
    const c = new ContinuityChecker();
    [1, 2, 3].forEach((s) => c.message(m(s)));
    expect(c.ok).toBe(true);
    expect(c.message(m(6))).toEqual({ kind: 'loss', id: 'x::a', from: { epoch: 'e1', seq: 3 }, to: { epoch: 'e1', seq: 6 }, missed: 2 });
    expect(c.ok).toBe(false);
    expect(c.unannounced).toBe(2);
  });

  test('dropped notices cover skips (session-wide, received before the message after the loss)', () => {
    const c = new ContinuityChecker();
    c.message(m(1));
    c.message(m(1, { id: 'x::b' }));
    c.notice({ kind: 'dropped', count: 3 });
    c.message(m(3));
    c.message(m(3, { id: 'x::b' }));
    expect(c.ok).toBe(true);
    expect(c.announcedSkips).toBe(2);
    // One seq of credit is left, then it is used up: the next skip is a loss.
    c.message(m(5));
    expect(c.unannounced).toBe(0);
    c.message(m(7));
    expect(c.unannounced).toBe(1);
  });

  test('a gap notice announces the next step of its stream only', () => {
    const c = new ContinuityChecker();
    c.message(m(1));
    c.message(m(1, { id: 'x::b' }));
    c.notice({ kind: 'gap', id: 'x::a' });
    c.message(m(10));
    expect(c.ok).toBe(true);
    expect(c.gapSkips).toBe(8);
    c.message(m(12));
    c.message(m(3, { id: 'x::b' }));
    expect(c.unannounced).toBe(2);
  });

  test('a position seen twice, or going back within an epoch, is a repeat; a new epoch starts over', () => {
    const c = new ContinuityChecker();
    c.message(m(1));
    c.message(m(2));
    expect(c.message(m(2))?.kind).toBe('repeat');
    expect(c.message(m(1))?.kind).toBe('repeat');
    expect(c.repeats).toBe(2);
    const d = new ContinuityChecker();
    d.message(m(139));
    expect(d.message(m(1, { epoch: 'e2' }))).toBeUndefined();
    d.message(m(2, { epoch: 'e2' }));
    expect(d.ok).toBe(true);
    expect(d.epochChanges).toBe(1);
  });

  test('a state or cached message restates a position; the stream goes on from it', () => {
    const c = new ContinuityChecker();
    c.message(m(5));
    expect(c.message(m(5, { cached: true }))).toBeUndefined();
    c.message(m(6));
    expect(c.message(m(40, { state: true }))).toBeUndefined();
    c.message(m(41));
    expect(c.ok).toBe(true);
    expect(c.restatements).toBe(2);
  });

  test('a skip while the session may not have received the stream is no loss', () => {
    const c = new ContinuityChecker({ mayHaveLeft: (id, since) => id === 'x::a' && since >= 2 });
    c.message(m(1));
    c.message(m(2));
    c.message(m(9));
    expect(c.ok).toBe(true);
    expect(c.leftSkips).toBe(6);
  });

  test('observe takes envelopes as the library delivers them', () => {
    const c = new ContinuityChecker();
    c.observe({ type: 'message', id: 'x::a', seq: 1, epoch: 'e', ts: 0, payload: null });
    c.observe({ type: 'notice', kind: 'gap', id: 'x::a', reason: 'venue reconnect' });
    c.observe({ type: 'message', id: 'x::a', seq: 5, epoch: 'e', ts: 0, payload: null });
    c.observe({ type: 'notice', kind: 'dropped', count: 1, total: 1 });
    c.observe({ type: 'message', id: 'x::a', seq: 7, epoch: 'e', ts: 0, payload: null });
    expect(c.ok).toBe(true);
    expect([c.gaps, c.dropped, c.gapSkips, c.announcedSkips]).toEqual([1, 1, 3, 1]);
  });
});
