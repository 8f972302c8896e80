import type { JsonValue } from '../../common/json';
import { isObject, parseObject, type JsonObject } from '../exchange/json';

/**
 * Incoming text → what it is, per the venue's WebSocket docs ("Subscribe", "Unsubscribe",
 * "Notification", and each channel's push data): the text `pong`, an event
 * (`{"id","event":"subscribe","arg":{…},"connId"}`, `{"id","event":"error","code","msg"}`,
 * `{"event":"notice",…}`), or a push (`{"arg":{"channel",…},"data":[…]}`).
 */
export type OkxFrame =
  | { readonly kind: 'pong' }
  | { readonly kind: 'ack'; readonly op: 'subscribe' | 'unsubscribe'; readonly id: string | undefined; readonly subscription: string | undefined }
  | { readonly kind: 'error'; readonly id: string | undefined; readonly code: string; readonly msg: string }
  /** The venue will close the connection soon (a service upgrade): move to a fresh one. */
  | { readonly kind: 'notice'; readonly code: string; readonly msg: string }
  /** Events that change nothing here (`channel-conn-count`, …). */
  | { readonly kind: 'info'; readonly event: string }
  /** `action` (`snapshot`/`update`) is set by the channels that send one, such as `books`. */
  | { readonly kind: 'data'; readonly channel: string; readonly argument: string; readonly data: readonly JsonValue[]; readonly action?: string }
  | { readonly kind: 'malformed'; readonly reason: string };

const PONG: OkxFrame = { kind: 'pong' };

export function decodeFrame(text: string): OkxFrame {
  if (text === 'pong') return PONG;
  const parsed = parseObject(text);
  if (!parsed.ok) return malformed(parsed.reason);
  const value = parsed.value;
  const arg = value.arg;
  if (typeof value.event === 'string') {
    const id = typeof value.id === 'string' ? value.id : undefined;
    switch (value.event) {
      case 'subscribe':
      case 'unsubscribe':
        return { kind: 'ack', op: value.event, id, subscription: isObject(arg) ? subscriptionOf(arg) : undefined };
      case 'error':
        return { kind: 'error', id, code: text_(value.code), msg: text_(value.msg) };
      case 'notice':
        return { kind: 'notice', code: text_(value.code), msg: text_(value.msg) };
      default:
        return { kind: 'info', event: value.event };
    }
  }
  if (!isObject(arg)) return malformed('no event and no arg');
  const channel = arg.channel;
  const argument = argumentOf(arg);
  if (typeof channel !== 'string' || argument === undefined) return malformed('arg without channel and instId/instType');
  if (!Array.isArray(value.data)) return malformed('push without a data array');
  return typeof value.action === 'string' ? { kind: 'data', channel, argument, data: value.data, action: value.action } : { kind: 'data', channel, argument, data: value.data };
}

/** `<channel>:<instId|instType>`, the name a subscription goes by here. */
export function subscriptionOf(arg: JsonObject): string | undefined {
  const argument = argumentOf(arg);
  return typeof arg.channel === 'string' && argument !== undefined ? `${arg.channel}:${argument}` : undefined;
}

function argumentOf(arg: JsonObject): string | undefined {
  if (typeof arg.instId === 'string') return arg.instId;
  if (typeof arg.instType === 'string') return arg.instType;
  return undefined;
}

function text_(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function malformed(reason: string): OkxFrame {
  return { kind: 'malformed', reason };
}
