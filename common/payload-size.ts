import { TesseraError } from './errors';
import type { Payload } from './json';

/**
 * Bytes a message costs beyond its payload (envelope object, id reference, seq, ts): counted so
 * that many tiny messages are bounded by bytes too, not by count alone.
 */
export const ENVELOPE_OVERHEAD_BYTES = 64;

/** Deeper values are counted as this many bytes each, not walked (they are refused at the gateway). */
const MAX_DEPTH = 64;

/** What `value` adds to `messageBytes` when found `depth` levels into a payload. */
export function valueBytes(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      if (depth > MAX_DEPTH) return 8;
      let n = 2;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) n += valueBytes(value[i], depth + 1) + 1;
        return n;
      }
      if (value instanceof Uint8Array) return Math.ceil(value.byteLength / 3) * 4 + 2;
      const record = value as Record<string, unknown>;
      for (const key in record) n += key.length + 4 + valueBytes(record[key], depth + 1);
      return n;
    }
    default:
      return 0;
  }
}

/**
 * What one message costs a buffer, in bytes: an estimate of its payload's encoded size (string
 * lengths, 8 per number, base64 for bytes) plus a fixed overhead. Computed once, when the service
 * takes the message in, and carried on the envelope, so buffers never measure per delivery.
 */
export function messageBytes(payload: Payload): number {
  return ENVELOPE_OVERHEAD_BYTES + valueBytes(payload, 0);
}

function firstNonFinite(value: unknown, depth: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : value;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || value instanceof Uint8Array) return undefined;
  const items: readonly unknown[] = Array.isArray(value) ? value : Object.values(value);
  for (let i = 0; i < items.length; i++) {
    const found = firstNonFinite(items[i], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * JSON has no Infinity or NaN: `JSON.parse('1e309')` gives Infinity and encoding it again gives
 * `null`, so a published value would arrive changed. Refuse it instead.
 */
export function assertFinitePayload(payload: Payload, what: string): void {
  const found = firstNonFinite(payload, 0);
  if (found !== undefined) throw new TesseraError('BAD_REQUEST', `${what} holds a number JSON cannot carry (${String(found)})`);
}
