import { ERROR_CODES, TesseraError, type ErrorCode } from '../common/errors';
import type { JsonValue } from '../common/json';

/**
 * The control protocol between importing and exporting nodes: JSON over NATS request-reply on
 * the exporter's `ctl` subject, plus its heartbeats and notices. One union per direction,
 * checked once on arrival, so nothing downstream handles untyped input.
 */
export type ControlRequest =
  /**
   * Take, renew or give back a lease. Every interest request renews the holder's lease for
   * `leaseMs`; `add`/`remove` change its streams, `set` replaces them, `release` ends the lease.
   */
  | {
      readonly op: 'interest';
      readonly holder: string;
      readonly leaseMs: number;
      readonly add?: readonly string[];
      readonly remove?: readonly string[];
      readonly set?: readonly string[];
      readonly release?: boolean;
    }
  | { readonly op: 'expand'; readonly pattern: string }
  | { readonly op: 'request'; readonly id: string; readonly body: JsonValue };

/** A stream the exporter could not start; `invalid` when the provider says it can never exist. */
export interface RemoteFailure {
  readonly id: string;
  readonly reason: string;
  readonly invalid?: boolean;
}

export interface InterestReply {
  readonly ok: true;
  /** Changes when the exporter restarts: the importer must then re-send its whole set. */
  readonly instance: string;
  readonly count: number;
  readonly digest: number;
  readonly failed: readonly RemoteFailure[];
}

export type ErrorReply = { readonly ok: false; readonly code: ErrorCode; readonly message: string };
export type ExpandReply = { readonly ok: true; readonly streams: readonly string[] };
export type RequestReply = { readonly ok: true; readonly body: JsonValue };
export type ControlReply = InterestReply | ExpandReply | RequestReply | ErrorReply;

export interface Heartbeat {
  readonly instance: string;
  readonly intervalMs: number;
  /** `stopping`: the exporter is shutting down gracefully; importers need not wait for silence. */
  readonly state: 'up' | 'stopping';
}

export type ExportEvent =
  | { readonly kind: 'provider-down'; readonly provider: string; readonly message: string }
  | { readonly kind: 'provider-up'; readonly provider: string }
  | { readonly kind: 'stream-down'; readonly id: string; readonly reason: string }
  | { readonly kind: 'stream-up'; readonly id: string }
  | { readonly kind: 'gap'; readonly id: string; readonly reason: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: ControlRequest | ControlReply | Heartbeat | ExportEvent): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

type Json = Record<string, unknown>;

function object(data: Uint8Array): Json {
  const value: unknown = JSON.parse(decoder.decode(data));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not a JSON object');
  return value as Json;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const optionalStrings = (v: unknown): boolean => v === undefined || isStrings(v);

function bad(message: string): TesseraError {
  return new TesseraError('BAD_REQUEST', `control message: ${message}`);
}

export function parseControlRequest(data: Uint8Array): ControlRequest {
  const m = object(data);
  switch (m.op) {
    case 'interest':
      if (!isString(m.holder) || typeof m.leaseMs !== 'number' || !(m.leaseMs > 0)) throw bad('interest needs holder and leaseMs > 0');
      if (!optionalStrings(m.add) || !optionalStrings(m.remove) || !optionalStrings(m.set)) throw bad('add, remove and set must be string arrays');
      return m as ControlRequest;
    case 'expand':
      if (!isString(m.pattern)) throw bad('expand needs a pattern');
      return { op: 'expand', pattern: m.pattern };
    case 'request':
      if (!isString(m.id) || m.body === undefined) throw bad('request needs id and body');
      return { op: 'request', id: m.id, body: m.body as JsonValue };
    default:
      throw bad(`unknown op ${JSON.stringify(m.op)}`);
  }
}

/** A reply, or the remote error rethrown with its code (an unknown code becomes BAD_REQUEST). */
export function parseReply<R extends ControlReply & { ok: true }>(data: Uint8Array): R {
  const m = object(data);
  if (m.ok === true) return m as unknown as R;
  const code = (ERROR_CODES as readonly unknown[]).includes(m.code) ? (m.code as ErrorCode) : 'BAD_REQUEST';
  throw new TesseraError(code, isString(m.message) ? m.message : 'the exporter refused the request');
}

export function parseHeartbeat(data: Uint8Array): Heartbeat {
  const m = object(data);
  if (!isString(m.instance) || typeof m.intervalMs !== 'number' || (m.state !== 'up' && m.state !== 'stopping')) throw bad('malformed heartbeat');
  return m as unknown as Heartbeat;
}

export function parseEvent(data: Uint8Array): ExportEvent {
  const m = object(data);
  const ok =
    ((m.kind === 'provider-down' || m.kind === 'provider-up') && isString(m.provider)) ||
    ((m.kind === 'stream-down' || m.kind === 'stream-up') && isString(m.id)) ||
    (m.kind === 'gap' && isString(m.id) && isString(m.reason));
  if (!ok) throw bad('malformed event');
  return m as unknown as ExportEvent;
}

export function errorReply(error: unknown): ErrorReply {
  if (error instanceof TesseraError) return { ok: false, code: error.code, message: error.message };
  return { ok: false, code: 'BAD_REQUEST', message: error instanceof Error ? error.message : String(error) };
}
