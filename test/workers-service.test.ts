import { parseIdentifier, type Identifier } from '../router/identifier';
import { BarsWorker } from '../workers/bars/bars-worker';
import type { InputMessage, Worker, WorkerContext } from '../workers/contract';
import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder, waitUntil } from '../testkit/wait';
import { startService } from './support/service';
import { BAR, startBarsRig } from './support/bars-rig';


const setup = startBarsRig;

describe('workers through the service', () => {
  it('binds a derived stream\'s input, emits bars, and releases the input with the last session', async () => {
    const { service, script, session, recorder } = await setup();
    expect(await service.configureSession(session, [BAR])).toEqual([BAR]);
    expect(script.subscribed.has('feed::btcusdt.trade')).toBe(true);
    script.emit('btcusdt.trade', { price: 10, amount: 1, side: 'buy', tradeId: '1' }, 1_000);
    script.emit('btcusdt.trade', { price: 12, amount: 2, side: 'sell', tradeId: '2' }, 1_500);
    script.emit('btcusdt.trade', { price: 11, amount: 1, side: 'buy', tradeId: '3' }, 2_000);
    await recorder.waitFor((r) => r.messages.length === 1);
    expect(recorder.messages[0]).toMatchObject({
      id: BAR,
      eventTs: 2_000,
      payload: { open: 10, high: 12, low: 10, close: 12, volume: 3, buyVolume: 1, sellVolume: 2, trades: 2, vwap: 34 / 3, startTs: 1_000, endTs: 2_000, closed: true },
    });
    const stats = await service.stats();
    expect(stats.workers).toEqual([expect.objectContaining({ name: 'bars', state: 'running', streams: 1, msgs: 1, inputs: 1, received: 3, dropped: 0 })]);
    expect(stats.providers.map((p) => p.name)).toEqual(['feed']);
    await service.configureSession(session, []);
    await waitUntil(() => !script.subscribed.has('feed::btcusdt.trade'), 5000, 'input released');
    expect((await service.stats()).workers[0]).toMatchObject({ streams: 0, inputs: 0 });
  });
});

/** A user-defined worker: the spread between two venues' best quotes, `spread::<symbol>.spread[a=<ns>;b=<ns>]`. */
class SpreadWorker implements Worker {
  private ctx: WorkerContext | undefined;
  private readonly streams = new Map<string, { id: Identifier; a: string; b: string; bid: Map<string, number> }>();

  start(ctx: WorkerContext): void {
    this.ctx = ctx;
  }

  stop(): void {
    this.streams.clear();
  }

  validate(id: Identifier): string | undefined {
    const tag = id.tag('spread');
    return tag?.params.get('a') && tag.params.get('b') && id.tags.length === 2 ? undefined : 'expected <symbol>.spread[a=<ns>;b=<ns>]';
  }

  inputs(id: Identifier): readonly string[] {
    const tag = id.tag('spread')!;
    const symbol = id.tags.find((t) => t !== tag)!.name;
    return [`${tag.params.get('a')}::${symbol}.quote`, `${tag.params.get('b')}::${symbol}.quote`];
  }

  subscribe(ids: readonly Identifier[]): void {
    for (const id of ids) {
      const [a, b] = this.inputs(id);
      this.streams.set(id.canonical, { id, a: parseIdentifier(a).canonical, b: parseIdentifier(b).canonical, bid: new Map() });
    }
  }

  unsubscribe(ids: readonly Identifier[]): void {
    for (const id of ids) this.streams.delete(id.canonical);
  }

  receive(batch: readonly InputMessage[]): void {
    for (const msg of batch) {
      for (const s of this.streams.values()) {
        if (msg.id !== s.a && msg.id !== s.b) continue;
        s.bid.set(msg.id, (msg.payload as { bidPrice: number }).bidPrice);
        const a = s.bid.get(s.a);
        const b = s.bid.get(s.b);
        if (a !== undefined && b !== undefined) this.ctx!.emit(s.id, { spread: a - b }, msg.eventTs);
      }
    }
  }
}

/** A worker that re-emits one input stream, named in its stream's `from` param (`~ ! ( )` for `= ; [ ]`). */
class EchoWorker implements Worker {
  private ctx: WorkerContext | undefined;
  private readonly byInput = new Map<string, Identifier>();
  start(ctx: WorkerContext): void {
    this.ctx = ctx;
  }
  stop(): void {}
  subscribe(ids: readonly Identifier[]): void {
    for (const id of ids) this.byInput.set(parseIdentifier(this.inputs(id)[0]).canonical, id);
  }
  unsubscribe(): void {}
  inputs(id: Identifier): readonly string[] {
    return [id.tag('echo')!.params.get('from')!.replace(/~/g, '=').replace(/!/g, ';').replace(/\(/g, '[').replace(/\)/g, ']')];
  }
  receive(batch: readonly InputMessage[]): void {
    for (const msg of batch) {
      const out = this.byInput.get(msg.id);
      if (out) this.ctx!.emit(out, msg.payload);
    }
  }
}

const quote = (bidPrice: number) => ({ bidPrice, bidAmount: 1, askPrice: bidPrice + 1, askAmount: 1 });

describe('user-defined workers', () => {
  it('a spread between two venues\' quotes, through addWorker; inputs are shared with sessions', async () => {
    const service = await startService();
    const a = new ProviderScript();
    const b = new ProviderScript();
    await service.addProvider('a', a.factory);
    await service.addProvider('b', b.factory);
    await service.addWorker('spread', new SpreadWorker());
    const direct = await service.newSession();
    await service.configureSession(direct, ['a::btcusdt.quote']);
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    const [canonical] = await service.configureSession(session, ['spread::btcusdt.spread[a=a;b=b]']);
    // The input wanted by the worker and by the direct session was subscribed once.
    expect(a.callsOf('subscribe').flatMap((c) => c.ids)).toEqual(['a::btcusdt.quote']);
    a.emit('btcusdt.quote', quote(101), 5);
    b.emit('btcusdt.quote', quote(100.5), 6);
    a.emit('btcusdt.quote', quote(102), 7);
    await recorder.waitFor((r) => r.messages.length === 2);
    expect(recorder.messages.map((m) => [m.id, m.payload, m.eventTs])).toEqual([
      [canonical, { spread: 0.5 }, 6],
      [canonical, { spread: 1.5 }, 7],
    ]);
    await service.closeSession(session);
    await waitUntil(() => b.subscribed.size === 0, 5000, 'b released');
    // Still wanted by the direct session.
    expect([...a.subscribed]).toEqual(['a::btcusdt.quote']);
    expect(a.callsOf('unsubscribe')).toHaveLength(0);
  });

  it('workers consume workers, and a cycle is refused with a clear error', async () => {
    const service = await startService();
    const feed = new ProviderScript();
    await service.addProvider('feed', feed.factory);
    await service.addWorker('bars', () => new BarsWorker());
    await service.addWorker('w1', () => new EchoWorker());
    await service.addWorker('w2', () => new EchoWorker());
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    // w1 echoes the bars worker's stream: a worker consuming a worker.
    const chained = 'w1::x.echo[from=bars::bar(interval~1s!venue~feed).btcusdt]';
    const [canonical] = await service.configureSession(session, [chained]);
    feed.emit('btcusdt.trade', { price: 1, amount: 1, side: 'buy', tradeId: '1' }, 100);
    feed.emit('btcusdt.trade', { price: 1, amount: 1, side: 'buy', tradeId: '2' }, 1_100);
    await recorder.waitFor((r) => r.messages.length === 1);
    expect(recorder.messages[0]).toMatchObject({ id: canonical, payload: { trades: 1, closed: true } });

    // w2 reads w1, and w1 is asked for a stream that reads w2: w1 -> w2 -> w1.
    const other = await service.newSession();
    await service.configureSession(other, ['w2::x.echo[from=w1::x.echo(from~feed::a.trade)]']);
    const error = await service.configureSession(other, ['w1::x.echo[from=w2::x.echo(from~feed::a.trade)]']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STREAM_START_FAILED', message: expect.stringContaining('cycle of workers: w1 -> w2 -> w1') });
    // A worker reading itself is a cycle too.
    await expect(service.configureSession(other, ['w1::x.echo[from=w1::x.echo(from~feed::a.trade)]'])).rejects.toMatchObject({ message: expect.stringContaining('w1 -> w1') });
    expect((await service.stats()).workers.map((w) => [w.name, w.state])).toEqual([
      ['bars', 'running'],
      ['w1', 'running'],
      ['w2', 'running'],
    ]);
  });

  it('removeWorker releases its inputs; removing an input provider tells the derived stream\'s sessions', async () => {
    const service = await startService();
    const feed = new ProviderScript();
    await service.addProvider('feed', feed.factory);
    await service.addWorker('bars', () => new BarsWorker());
    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    await service.configureSession(session, [BAR]);
    await service.removeProvider('feed');
    await recorder.waitFor((r) => r.notices('stream-down').length === 1);
    expect(recorder.notices('stream-down')[0]).toMatchObject({ id: BAR, reason: expect.stringContaining('"feed" was removed') });
    expect((await service.stats()).workers[0].inputs).toBe(0);

    const again = new ProviderScript();
    await service.addProvider('feed', again.factory);
    const other = await service.newSession();
    await service.configureSession(other, ['bars::bar[ticks=2;venue=feed].ethusdt']);
    expect([...again.subscribed]).toEqual(['feed::ethusdt.trade']);
    await expect(service.removeProvider('bars')).rejects.toMatchObject({ code: 'PROVIDER_NOT_FOUND' });
    await expect(service.removeWorker('feed')).rejects.toMatchObject({ code: 'PROVIDER_NOT_FOUND' });
    await service.removeWorker('bars');
    await waitUntil(() => again.subscribed.size === 0, 5000, 'inputs released');
    expect((await service.stats()).workers).toEqual([]);
    await expect(service.addWorker('feed', () => new BarsWorker())).rejects.toMatchObject({ code: 'PROVIDER_EXISTS' });
  });
});
