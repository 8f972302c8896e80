import type { ClientFrame, Ref } from '../client/protocol';
import type { JsonValue } from '../common/json';
import { OVERFLOW_POLICIES, type OverflowPolicy } from '../common/service-types';

export type { ClientFrame, ClientOp, Ref } from '../client/protocol';

export type ParseResult =
  | { readonly ok: true; readonly frame: ClientFrame }
  /** `ref` is set when the frame was an object with a usable ref, so the error can echo it. */
  | { readonly ok: false; readonly message: string; readonly ref?: Ref };

type Fields = Readonly<Record<string, unknown>>;

/** Keys that could reach a prototype if anything ever merged a frame into another object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

class FrameError extends Error {}

function refuseForbidden(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new FrameError(`the key "${key}" is not allowed`);
  return value;
}

/**
 * Deepest nesting of arrays and objects a frame may have. JSON.parse copes with far more, but
 * the reviver and JSON.stringify (encoding a published payload for delivery) recurse, and a
 * deep enough value throws RangeError there.
 */
export const MAX_FRAME_DEPTH = 64;

/** True when the text opens more than `limit` arrays/objects at once (brackets in strings do not count). */
function nestedDeeperThan(text: string, limit: number): boolean {
  if (text.length <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** JSON.parse refusing forbidden keys; the caller has bounded the depth. */
function parseChecked(text: string): unknown {
  // The reviver costs a call per value, so it only runs when the text could hold such a key
  // (written plainly or behind a `\u` escape).
  const suspicious = text.includes('__proto__') || text.includes('constructor') || text.includes('prototype') || text.includes('\\u');
  return suspicious ? JSON.parse(text, refuseForbidden) : JSON.parse(text);
}

/** JSON.parse, refusing forbidden keys at any depth and nesting deeper than MAX_FRAME_DEPTH. */
export function safeJsonParse(text: string): unknown {
  if (nestedDeeperThan(text, MAX_FRAME_DEPTH)) throw new FrameError(`JSON nested deeper than ${MAX_FRAME_DEPTH} levels`);
  return parseChecked(text);
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function need(condition: boolean, message: string): asserts condition {
  if (!condition) throw new FrameError(message);
}

function requiredString(f: Fields, key: string): string {
  const value = f[key];
  need(typeof value === 'string' && value.length > 0, `"${key}" must be a non-empty string`);
  return value;
}

function optionalInteger(f: Fields, key: string, min: number): number | undefined {
  const value = f[key];
  if (value === undefined) return undefined;
  need(typeof value === 'number' && Number.isSafeInteger(value) && value >= min, `"${key}" must be an integer ≥ ${min}`);
  return value;
}

function requiredJson(f: Fields, key: string): JsonValue {
  need(Object.prototype.hasOwnProperty.call(f, key), `"${key}" is missing`);
  return f[key] as JsonValue;
}

function readRef(f: Fields): Ref | undefined {
  const ref = f.ref;
  if (ref === undefined || typeof ref === 'string' || (typeof ref === 'number' && Number.isFinite(ref))) return ref;
  throw new FrameError('"ref" must be a string or a number');
}

/** Builds the typed frame for `op`; each case lists exactly the fields it reads. */
function readFrame(op: string, f: Fields, ref: Ref | undefined): ClientFrame {
  const withRef = ref === undefined ? {} : { ref };
  switch (op) {
    case 'session.create': {
      const idle = f.idleAfterMs;
      need(idle === undefined || (typeof idle === 'number' && Number.isSafeInteger(idle)), '"idleAfterMs" must be an integer');
      return { op, ...withRef, ...(idle === undefined ? {} : { idleAfterMs: idle }) };
    }
    case 'session.attach': {
      const sessionId = requiredString(f, 'sessionId');
      const outBuffer = optionalInteger(f, 'outBuffer', 1);
      const overflow = f.overflow;
      need(
        overflow === undefined || (typeof overflow === 'string' && (OVERFLOW_POLICIES as readonly string[]).includes(overflow)),
        `"overflow" must be one of ${OVERFLOW_POLICIES.join(', ')}`,
      );
      return {
        op,
        ...withRef,
        sessionId,
        ...(outBuffer === undefined ? {} : { outBuffer }),
        ...(overflow === undefined ? {} : { overflow: overflow as OverflowPolicy }),
      };
    }
    case 'session.configure': {
      const patterns = f.patterns;
      need(Array.isArray(patterns) && patterns.every((p) => typeof p === 'string'), '"patterns" must be an array of strings');
      need(f.last === undefined || typeof f.last === 'boolean', '"last" must be a boolean');
      return { op, ...withRef, patterns: patterns as string[], ...(f.last === true ? { last: true } : {}) };
    }
    case 'session.detach':
    case 'session.close':
    case 'stats':
      return { op, ...withRef };
    case 'publish':
      return { op, ...withRef, id: requiredString(f, 'id'), payload: requiredJson(f, 'payload') };
    case 'request':
      return { op, ...withRef, id: requiredString(f, 'id'), body: f.body === undefined ? null : (f.body as JsonValue) };
    case 'explain':
      return { op, ...withRef, pattern: requiredString(f, 'pattern') };
    default:
      throw new FrameError(`unknown op ${JSON.stringify(op).slice(0, 80)}`);
  }
}

/** The ref of a frame refused for a forbidden key: a plain parse (own properties only, nothing merged) finds it. */
function refOf(text: string): Ref | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? readRef(value) : undefined;
  } catch {
    return undefined;
  }
}

function withRef(result: { ok: false; message: string }, ref: Ref | undefined): ParseResult {
  return ref === undefined ? result : { ...result, ref };
}

/** Checks one text frame. Never throws: a bad frame is a BAD_REQUEST answer, nothing more. */
export function parseClientFrame(text: string): ParseResult {
  if (nestedDeeperThan(text, MAX_FRAME_DEPTH)) return { ok: false, message: `bad frame: JSON nested deeper than ${MAX_FRAME_DEPTH} levels` };
  let value: unknown;
  try {
    value = parseChecked(text);
  } catch (error) {
    if (!(error instanceof FrameError)) return { ok: false, message: 'bad frame: not valid JSON' };
    return withRef({ ok: false, message: `bad frame: ${error.message}` }, refOf(text));
  }
  if (!isObject(value)) return { ok: false, message: 'bad frame: expected a JSON object' };
  let ref: Ref | undefined;
  try {
    ref = readRef(value);
    const op = value.op;
    need(typeof op === 'string', '"op" must be a string');
    return { ok: true, frame: readFrame(op, value, ref) };
  } catch (error) {
    return withRef({ ok: false, message: `bad frame: ${error instanceof FrameError ? error.message : String(error)}` }, ref);
  }
}
