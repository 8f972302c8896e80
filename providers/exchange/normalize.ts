import type { JsonValue, Payload } from '../../common/json';
import type { NormalizedKind, Side } from '../../common/market';
import { isObject, type JsonObject } from './json';

export { isObject, type JsonObject };

/** The normalized kinds made message by message (the book kind is maintained apart). */
export type MappedKind = Exclude<NormalizedKind, 'book'>;

/** Where a normalizer puts each message it makes. */
export type NormalizedOut = (payload: Payload, eventTs: number | undefined) => void;

/**
 * Turns one venue stream's messages into one normalized kind. Each subscribed identifier of a
 * normalized kind has its own instance, so a stateful one (a ticker merged from deltas, a quote
 * kept from book changes) holds only its stream's state.
 */
export interface Normalizer {
  /**
   * Maps one venue message (already parsed), calling `out` for each normalized message it yields
   * (none, one, or several: a venue may batch trades). Returns false when the message does not
   * have the shape the venue documents; nothing is emitted for it then. `stream` is the venue
   * stream it came on, for a kind read from several.
   */
  push(message: JsonValue, out: NormalizedOut, stream?: string): boolean;
  /** The stream broke (a reconnect): state is rebuilt from the venue's next snapshot. */
  reset(): void;
}

/** Decimal notation as venues write numbers; `Number` alone would also take `0x1f`, `0b1`, ` 1` and `Infinity`. */
const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** Whether `text` is a number in decimal notation (`-12.5`, `1e-8`), the only notation venues use. */
export function isDecimalNotation(text: string): boolean {
  return DECIMAL.test(text);
}

/** A venue decimal (a string, or a JSON number) as a finite number; undefined when it is not one. */
export function decimal(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !DECIMAL.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A price or an amount: a venue decimal above zero. A venue never quotes, trades or liquidates at
 * a price of zero or below, nor an amount of none; such a value is a corrupt frame, not data.
 */
export function positive(value: JsonValue | undefined): number | undefined {
  const n = decimal(value);
  return n !== undefined && n > 0 ? n : undefined;
}

/** A size that may be zero (a book level's size, where 0 removes it; open interest). */
export function nonNegative(value: JsonValue | undefined): number | undefined {
  const n = decimal(value);
  return n !== undefined && n >= 0 ? n : undefined;
}

/** A millisecond timestamp (number or digit string); undefined when it is not one. */
export function millis(value: JsonValue | undefined): number | undefined {
  const n = decimal(value);
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** `Buy`/`BUY`/`buy` and the sells; undefined for anything else. */
export function sideOf(value: JsonValue | undefined): Side | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'buy' || lower === 'sell' ? lower : undefined;
}

export function opposite(side: Side): Side {
  return side === 'buy' ? 'sell' : 'buy';
}

/** Sets `key` only when `value` is defined, so a field the venue does not carry stays absent. */
export function setDefined(target: { [key: string]: JsonValue }, key: string, value: number | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** A normalizer for a stateless mapping from one message to at most one payload. */
export function stateless(map: (message: JsonValue) => { payload: Payload; eventTs: number | undefined } | undefined): Normalizer {
  return {
    push(message, out) {
      const mapped = map(message);
      if (!mapped) return false;
      out(mapped.payload, mapped.eventTs);
      return true;
    },
    reset() {},
  };
}
