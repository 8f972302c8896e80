import { isObject, parseObject, type JsonObject } from '../exchange/json';
import type { Frame, StreamPayload } from '../exchange/connection-types';
import { EndpointConnection } from '../exchange/endpoint-connection';
import type { ControlOp } from '../exchange/link';

/**
 * One combined-stream connection to a USD-M futures endpoint. Frames are
 * `{"stream":…,"data":…}`; control replies are `{"result":null,"id":n}` or
 * `{"error":{"code":…,"msg":…},"id":n}`.
 */
export class BinanceConnection extends EndpointConnection {
  protected url(): string {
    // Stream mode (`/stream`) wraps every message with its stream name; streams come via SUBSCRIBE.
    return `${this.baseUrl}/${this.endpoint}/stream`;
  }

  protected encode(op: ControlOp, streams: readonly string[], id: number): string {
    return JSON.stringify({ method: op === 'subscribe' ? 'SUBSCRIBE' : 'UNSUBSCRIBE', params: streams, id });
  }

  protected decode(text: string): Frame {
    return decodeFrame(text);
  }
}

export function decodeFrame(text: string): Frame {
  const parsed = parseObject(text);
  if (!parsed.ok) return malformed(parsed.reason);
  const value = parsed.value;
  if ('stream' in value || 'data' in value) {
    if (typeof value.stream !== 'string' || value.stream === '') return malformed('no stream name');
    const data = value.data;
    if (!isObject(data) && !Array.isArray(data)) return malformed('no data');
    return { kind: 'data', stream: value.stream, payload: data as StreamPayload };
  }
  if (typeof value.id === 'number') {
    if (isObject(value.error)) return { kind: 'reply', id: value.id, error: describeError(value.error) };
    // Some refusals come flat: {"code":…,"msg":…,"id":n}.
    if ('code' in value && 'msg' in value) return { kind: 'reply', id: value.id, error: describeError(value) };
    if ('result' in value) return { kind: 'reply', id: value.id };
  }
  return malformed('neither a stream message nor a reply');
}

function describeError(error: JsonObject): string {
  const code = typeof error.code === 'number' || typeof error.code === 'string' ? `${error.code}: ` : '';
  return `${code}${typeof error.msg === 'string' ? error.msg : 'refused by the exchange'}`;
}

function malformed(reason: string): Frame {
  return { kind: 'malformed', reason };
}
