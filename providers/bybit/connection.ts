import type { Frame, StreamPayload } from '../exchange/connection-types';
import { EndpointConnection } from '../exchange/endpoint-connection';
import { parseObject } from '../exchange/json';
import type { ControlOp, PingSocket } from '../exchange/link';

/**
 * One connection to Bybit's v5 public linear stream, `<baseUrl>/v5/public/linear`, as Bybit's v5
 * "WebSocket Connect" page documents it:
 * - we send `{"op":"subscribe"|"unsubscribe","args":[topic…],"req_id":"n"}`; the answer is
 *   `{"success":true|false,"ret_msg":…,"conn_id":…,"req_id":"n","op":…}` (`success:false` refuses
 *   the request, `ret_msg` says why);
 * - the keep-alive is the text `{"op":"ping"}`, recommended every 20 s, answered by
 *   `{"success":true,"ret_msg":"pong",…,"op":"ping"}` (or `"op":"pong"`);
 * - pushes are `{"topic":…,"type":"snapshot"|"delta","ts":…,"data":…}`.
 */
export class BybitConnection extends EndpointConnection {
  protected url(): string {
    return `${this.baseUrl}/v5/public/${this.endpoint}`;
  }

  protected encode(op: ControlOp, topics: readonly string[], id: number): string {
    return JSON.stringify({ op, args: topics, req_id: String(id) });
  }

  protected decode(text: string): Frame {
    return decodeFrame(text);
  }

  protected override ping(socket: PingSocket): void {
    socket.send(PING);
  }

  /** Bybit asks for a ping every 20 s whatever flows. */
  protected override get pingsWhenBusy(): boolean {
    return true;
  }
}

const PING = JSON.stringify({ op: 'ping' });

export function decodeFrame(text: string): Frame {
  const parsed = parseObject(text);
  if (!parsed.ok) return malformed(parsed.reason);
  const value = parsed.value;
  if ('topic' in value) {
    if (typeof value.topic !== 'string' || value.topic === '') return malformed('no topic');
    if (value.data === undefined) return malformed('no data');
    return { kind: 'data', stream: value.topic, payload: value as StreamPayload };
  }
  const op = value.op;
  if (op === 'ping' || op === 'pong') return { kind: 'heartbeat' };
  if ((op === 'subscribe' || op === 'unsubscribe') && typeof value.req_id === 'string' && typeof value.success === 'boolean') {
    if (value.success) return { kind: 'reply', id: value.req_id };
    const message = typeof value.ret_msg === 'string' && value.ret_msg !== '' ? value.ret_msg : 'refused by the venue';
    return { kind: 'reply', id: value.req_id, error: message };
  }
  return malformed('neither a push nor an answer to a request');
}

function malformed(reason: string): Frame {
  return { kind: 'malformed', reason };
}
