import type { JsonValue } from '../../common/json';

export type JsonObject = { readonly [key: string]: JsonValue };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A venue's text frame as a JSON object, or why it is not one (decoders report that as malformed). */
export function parseObject(text: string): { readonly ok: true; readonly value: JsonObject } | { readonly ok: false; readonly reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  return isObject(value) ? { ok: true, value } : { ok: false, reason: 'not a JSON object' };
}
