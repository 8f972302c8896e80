import type { JsonValue } from '../../common/json';
import { decimal, isObject, millis, nonNegative, positive, setDefined, sideOf, stateless, type MappedKind, type Normalizer } from '../exchange/normalize';

/**
 * USD-M futures stream payloads (the `data` of a combined-stream frame) to the normalized kinds.
 * Field names follow Binance's USD-M "Websocket Market Streams" pages: Aggregate Trade (`a p q T
 * m`: `m` true means the buyer was the maker, so the taker sold), Individual Symbol Book Ticker
 * (`b B a A E`), Mark Price (`p i r T E`: funding rate and next funding time) and Liquidation Order
 * (`E` and `o.{S p ap q z}`: `S` is the liquidation order's side). All are stateless.
 */
export function binanceNormalizer(kind: MappedKind): Normalizer {
  switch (kind) {
    case 'trade':
      return stateless(tradeOf);
    case 'quote':
      return stateless(quoteOf);
    case 'derivative':
      return stateless(derivativeOf);
    case 'liquidation':
      return stateless(liquidationOf);
  }
}

type Mapped = { payload: { [key: string]: JsonValue }; eventTs: number } | undefined;

function tradeOf(data: JsonValue): Mapped {
  if (!isObject(data)) return undefined;
  const price = positive(data.p);
  const amount = positive(data.q);
  const time = millis(data.T);
  const id = millis(data.a);
  if (price === undefined || amount === undefined || time === undefined || id === undefined || typeof data.m !== 'boolean') return undefined;
  return { payload: { price, amount, side: data.m ? 'sell' : 'buy', tradeId: String(id) }, eventTs: time };
}

function quoteOf(data: JsonValue): Mapped {
  if (!isObject(data)) return undefined;
  const bidPrice = positive(data.b);
  const bidAmount = positive(data.B);
  const askPrice = positive(data.a);
  const askAmount = positive(data.A);
  const time = millis(data.E) ?? millis(data.T);
  if (bidPrice === undefined || bidAmount === undefined || askPrice === undefined || askAmount === undefined || time === undefined) return undefined;
  return { payload: { bidPrice, bidAmount, askPrice, askAmount }, eventTs: time };
}

/** The stream carries no open interest; a dated contract shows funding `""` and next funding 0. */
function derivativeOf(data: JsonValue): Mapped {
  if (!isObject(data)) return undefined;
  const markPrice = positive(data.p);
  const time = millis(data.E);
  const indexPrice = data.i === undefined ? undefined : positive(data.i);
  const fundingRate = data.r === undefined || data.r === '' ? undefined : decimal(data.r);
  const nextFunding = data.T === undefined ? undefined : millis(data.T);
  if (markPrice === undefined || time === undefined) return undefined;
  // A field that is there but no number spoils the message rather than vanishing from it.
  if ((data.i !== undefined && indexPrice === undefined) || (fundingRate === undefined && data.r !== undefined && data.r !== '') || (data.T !== undefined && nextFunding === undefined)) return undefined;
  const payload: { [key: string]: JsonValue } = { markPrice };
  setDefined(payload, 'indexPrice', indexPrice);
  setDefined(payload, 'fundingRate', fundingRate);
  setDefined(payload, 'nextFundingTs', nextFunding || undefined);
  return { payload, eventTs: time };
}

/** Price is the average fill price and amount the filled quantity, when the order has fills. */
function liquidationOf(data: JsonValue): Mapped {
  if (!isObject(data) || !isObject(data.o)) return undefined;
  const o = data.o;
  const side = sideOf(o.S);
  // No fills yet shows as "0": then the order's own price and quantity stand.
  const average = o.ap === undefined ? 0 : nonNegative(o.ap);
  const filled = o.z === undefined ? 0 : nonNegative(o.z);
  if (average === undefined || filled === undefined) return undefined;
  const price = average > 0 ? average : positive(o.p);
  const amount = filled > 0 ? filled : positive(o.q);
  const time = millis(data.E);
  if (side === undefined || price === undefined || amount === undefined || time === undefined) return undefined;
  return { payload: { price, amount, side }, eventTs: time };
}
