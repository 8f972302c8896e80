import { BinanceSequencer, BybitSequencer, OkxSequencer } from '../providers/exchange/book/sequencers';

describe('Binance USD-M sequence rules', () => {
  it('drops deltas older than the snapshot and takes the first one that covers it', () => {
    const s = new BinanceSequencer();
    s.snapshot(100);
    expect(s.delta(90, 99, 89)).toBe('skip'); // u < lastUpdateId
    expect(s.delta(95, 105, 94)).toBe('apply'); // U <= lastUpdateId <= u
    expect(s.delta(106, 110, 105)).toBe('apply'); // pu = previous u
    expect(s.delta(111, 115, 109)).toBe('break');
    expect(s.why).toMatch(/pu 109 does not follow u 110/);
  });

  it('takes a first delta that starts right after the snapshot', () => {
    const a = new BinanceSequencer();
    a.snapshot(100);
    expect(a.delta(101, 104, 100)).toBe('apply');
    const b = new BinanceSequencer();
    b.snapshot(100);
    expect(b.delta(103, 104, 100)).toBe('apply'); // ids of other symbols lie between
  });

  it('breaks when the snapshot is older than the first delta', () => {
    const s = new BinanceSequencer();
    s.snapshot(100);
    expect(s.delta(120, 125, 110)).toBe('break');
    expect(s.why).toMatch(/older than the deltas/);
  });

  it('skips a delta repeated after it was applied', () => {
    const s = new BinanceSequencer();
    s.snapshot(100);
    s.delta(95, 105, 94);
    s.delta(106, 110, 105);
    expect(s.delta(106, 110, 105)).toBe('skip');
  });
});

describe('Bybit sequence rules', () => {
  it('u goes up by one; old u is skipped; a jump or seq going back breaks', () => {
    const s = new BybitSequencer();
    s.snapshot(10, 500);
    expect(s.delta(11, 11, NaN, 501)).toBe('apply');
    expect(s.delta(11, 11, NaN, 501)).toBe('skip');
    expect(s.delta(13, 13, NaN, 510)).toBe('break');
    s.snapshot(1, 600); // a venue restart starts u over
    expect(s.delta(2, 2, NaN, 599)).toBe('break');
    expect(s.why).toMatch(/seq went back/);
  });
});

describe('OKX sequence rules', () => {
  it('prevSeqId chains the updates, through no-change messages and a sequence reset', () => {
    const s = new OkxSequencer();
    s.snapshot(1000);
    expect(s.delta(1005, 1005, 1000)).toBe('apply');
    expect(s.delta(1005, 1005, 1005)).toBe('apply'); // nothing changed
    expect(s.delta(3, 3, 1005)).toBe('apply'); // the venue reset its sequence
    expect(s.delta(3, 3, 1005)).toBe('skip'); // the last message again
    expect(s.delta(9, 9, 7)).toBe('break');
  });
});
