import type { Identifier } from '../../router/identifier';
import { readDerivedId, readDuration, readPositive } from '../derived-id';

/** A sampled-book stream, checked. */
export interface BookSpec {
  readonly input: Identifier;
  readonly depth: number;
  readonly intervalMs: number;
}

const MAX_DEPTH = 1000;
const MAX_INTERVAL_MS = 3_600_000;

/** Reads `books::<symbol>.book[venue=<ns>;depth=N;interval=<n>ms|s]`; returns the reason when it is not one. */
export function describeBook(id: Identifier): BookSpec | string {
  const derived = readDerivedId(id, 'book', 'book');
  if (typeof derived === 'string') return derived;
  const { params, input } = derived;
  for (const key of params.keys()) if (key !== 'depth' && key !== 'interval') return `unknown param "${key}" on book (known: venue, depth, interval)`;
  const depthText = params.get('depth');
  const intervalText = params.get('interval');
  if (depthText === undefined || intervalText === undefined) return '"book" needs venue, depth and interval params';
  const depth = readPositive('depth', depthText, true, MAX_DEPTH);
  if (typeof depth === 'string') return depth;
  const intervalMs = readDuration(intervalText, ['ms', 's'], MAX_INTERVAL_MS);
  if (typeof intervalMs === 'string') return `interval ${intervalMs}`;
  return { input, depth, intervalMs };
}
