import type { JsonValue, Payload } from '../../common/json';
import type { Provider, ProviderContext } from '../../providers/contract';
import { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';

/** How many distinct payload objects a benchmark cycles through (a power of two). */
const PAYLOADS = 256;

/** Trade-like payloads, built once so the benchmarks measure the routing, not a generator. */
export function tradePayloads(): JsonValue[] {
  const out: JsonValue[] = [];
  for (let i = 0; i < PAYLOADS; i++) out.push({ symbol: `s${i % 16}`, tradeId: i, price: 60_000 + i / 100, qty: 0.001 * (i + 1), side: i % 2 === 0 ? 'buy' : 'sell' });
  return out;
}

/**
 * The provider the benchmarks drive: a fixed catalogue `<ns>::s<i>.trade`, and emission only
 * when the benchmark asks (`burst`, `emit`), always through the real ProviderContext, so every
 * message takes the service's own path: context → router port → router → session out-buffers.
 */
export class BenchProvider implements Provider {
  readonly ids: readonly Identifier[];
  private readonly known: ReadonlySet<string>;
  private readonly payloads = tradePayloads();
  private ctx: ProviderContext | undefined;
  private cursor = 0;
  private sent = 0;
  subscribed = 0;

  constructor(
    readonly namespace: string,
    streams: number,
  ) {
    const ids: Identifier[] = [];
    for (let i = 0; i < streams; i++) ids.push(Identifier.of(namespace, { [`s${i}`]: {}, trade: {} }));
    this.ids = ids;
    this.known = new Set(ids.map((id) => id.canonical));
  }

  /** Canonical text of stream `i`. */
  stream(i: number): string {
    return this.ids[i % this.ids.length].canonical;
  }

  start(ctx: ProviderContext): void {
    this.ctx = ctx;
  }

  stop(): void {
    this.ctx = undefined;
  }

  validate(id: Identifier): string | undefined {
    return this.known.has(id.canonical) ? undefined : 'not in the benchmark catalogue';
  }

  expand(pattern: Pattern): readonly Identifier[] {
    return this.ids.filter((id) => pattern.matches(id));
  }

  subscribe(ids: readonly Identifier[]): void {
    this.subscribed += ids.length;
  }

  unsubscribe(ids: readonly Identifier[]): void {
    this.subscribed -= ids.length;
  }

  /** Emits `n` messages, round robin over the catalogue, as one synchronous burst. */
  burst(n: number): void {
    const ctx = this.context();
    const ids = this.ids;
    const payloads = this.payloads;
    let cursor = this.cursor;
    let sent = this.sent;
    for (let k = 0; k < n; k++) {
      ctx.emit(ids[cursor], payloads[sent++ & (PAYLOADS - 1)]);
      if (++cursor === ids.length) cursor = 0;
    }
    this.cursor = cursor;
    this.sent = sent;
  }

  /** Emits one message with the given payload on the next stream in turn. */
  emit(payload: Payload): void {
    this.context().emit(this.ids[this.cursor], payload);
    if (++this.cursor === this.ids.length) this.cursor = 0;
  }

  private context(): ProviderContext {
    if (this.ctx === undefined) throw new Error('bench provider is not started');
    return this.ctx;
  }
}
