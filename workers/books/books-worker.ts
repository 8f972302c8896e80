import type { BookPayload } from '../../common/market';
import type { Identifier } from '../../router/identifier';
import type { InputMessage } from '../contract';
import { DerivedWorker, type Derivation, type DerivedWorkerOptions, type Emit } from '../derived-worker';
import { BookSampler, type TopOfBook } from './book-sampler';
import { describeBook } from './book-spec';

export type BooksOptions = DerivedWorkerOptions;

function isBookPayload(p: unknown): p is BookPayload {
  if (p === null || typeof p !== 'object') return false;
  const { type, bids, asks } = p as { type?: unknown; bids?: unknown; asks?: unknown };
  return (type === 'snapshot' || type === 'change') && Array.isArray(bids) && Array.isArray(asks);
}

/** One sampled book: the sampler, fed from `book` payloads. */
class BookDerivation implements Derivation {
  constructor(private readonly sampler: BookSampler) {}

  fold(msg: InputMessage, out: Emit): boolean {
    if (!isBookPayload(msg.payload)) return false;
    const end = this.sampler.end;
    const sample = this.sampler.apply(msg.payload, msg.eventTs ?? msg.ts);
    if (sample !== undefined) out(sample, end);
    return true;
  }

  closeDue(now: number, graceMs: number, out: Emit): void {
    const end = this.sampler.end;
    const sample = this.sampler.closeDue(now, graceMs);
    if (sample !== undefined) out(sample, end);
  }

  current(): TopOfBook | undefined {
    return this.sampler.current();
  }
}

/**
 * The `books` worker: `books::<symbol>.book[venue=<ns>;depth=N;interval=<n>ms|s]`, the top N
 * levels of `<ns>::<symbol>.book` once per interval in which the book changed, stamped with the
 * interval's end; the current top of the book is its state.
 */
export class BooksWorker extends DerivedWorker {
  constructor(options: BooksOptions = {}) {
    super('books', options);
  }

  protected describe(id: Identifier): { input: Identifier; create: () => Derivation } | string {
    const spec = describeBook(id);
    if (typeof spec === 'string') return spec;
    return { input: spec.input, create: () => new BookDerivation(new BookSampler(spec.depth, spec.intervalMs)) };
  }
}
