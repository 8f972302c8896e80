import { SeqAudit } from '../tools/soak/seq-audit';

/** The soak's per-lineage audit (invariant 2): what an ended lineage keeps. */
const audit = (): SeqAudit => new SeqAudit('c.1', { gap: () => false, steady: true, via: 'lib' });
const msg = (seq: number) => ({ id: 'x::a.trade', seq, epoch: 'e', ts: seq });

describe("the soak's seq audit", () => {
  it('keeps the numbers of a lineage that ended whole, and nothing else', () => {
    const a = audit();
    a.message(msg(1));
    a.dropped(2);
    a.message(msg(4));
    a.end();
    expect({ ok: a.ok, messages: a.messages, jumps: a.jumps, announced: a.announced, repeats: a.regressions }).toEqual({ ok: true, messages: 2, jumps: 2, announced: 2, repeats: 0 });
    // No stream positions are kept, and nothing may come after the end unseen.
    expect(a.newest('x::a.trade')).toBeUndefined();
    expect(() => a.message(msg(5))).toThrow(/after the lineage ended/);
  });

  it('keeps everything of a lineage that broke the invariant, for the report', () => {
    const a = audit();
    a.message(msg(1));
    a.message(msg(3));
    a.end();
    expect(a.ok).toBe(false);
    expect(a.unannounced).toBe(1);
    expect(a.events).toEqual([expect.objectContaining({ kind: 'loss', from: 1, to: 3 })]);
    expect(a.trails[0].length).toBeGreaterThan(0);
    expect(a.newest('x::a.trade')).toBe(3);
  });
});
