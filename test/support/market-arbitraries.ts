import fc from 'fast-check';
import type { JsonValue, Payload } from '../../common/json';
import type { MappedKind, Normalizer } from '../../providers/exchange/normalize';

/** Decimal strings as venues write prices and amounts: `12345.678`, `0.00001`, `7` (never zero). */
export const decimalText: fc.Arbitrary<string> = fc
  .tuple(fc.nat({ max: 10_000_000 }), fc.option(fc.stringMatching(/^[0-9]{1,8}$/), { nil: undefined }))
  .map(([int, frac]) => (frac === undefined ? String(int) : `${int}.${frac}`))
  .filter((text) => Number(text) > 0);

/** Millisecond timestamps around now. */
export const epochMs: fc.Arbitrary<number> = fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 });

export interface Pushed {
  readonly accepted: boolean;
  readonly out: { payload: Payload; eventTs: number | undefined }[];
}

/** Pushes one message through a normalizer and collects what it emits. */
export function push(normalizer: Normalizer, message: JsonValue): Pushed {
  const out: { payload: Payload; eventTs: number | undefined }[] = [];
  const accepted = normalizer.push(message, (payload, eventTs) => out.push({ payload, eventTs }));
  return { accepted, out };
}

/** Every key a normalized payload of `kind` may have: nothing else ever appears. */
export const SCHEMA_KEYS: Readonly<Record<MappedKind, readonly string[]>> = {
  trade: ['price', 'amount', 'side', 'tradeId'],
  quote: ['bidPrice', 'bidAmount', 'askPrice', 'askAmount'],
  derivative: ['markPrice', 'indexPrice', 'fundingRate', 'nextFundingTs', 'openInterest'],
  liquidation: ['price', 'amount', 'side'],
};

/** Garbage in place of a field: wrong types, empty and non-numeric strings. */
export const notADecimal: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(''),
  fc.constant('abc'),
  fc.constant(' 1'),
  fc.constant(null),
  fc.boolean(),
  fc.constant<JsonValue>([]),
  fc.constant<JsonValue>({}),
  fc.constant('NaN'),
);
