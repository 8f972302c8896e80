import type { JsonValue } from '../../common/json';
import type { ConnectionHost, ConnectionSettings, Frame } from '../exchange/connection-types';
import type { ControlOp, PingSocket } from '../exchange/link';
import { ManagedConnection } from '../exchange/managed-connection';
import { decodeFrame } from './frames';
import { CHANNELS, type ChannelName } from './kinds';

/** The public endpoint's path, per the venue's docs ("WebSocket > Connect"). */
export const PUBLIC_PATH = '/ws/v5/public';

/**
 * One connection to the venue's public WebSocket. Requests are `{"id","op","args":[…]}` with one
 * argument per subscription (`trades:BTC-USDT-SWAP` → `{"channel":"trades","instId":…}`); the
 * venue answers each argument with its own event, so a reply names the subscription it settles.
 * The keep-alive is the text `ping`, answered by the text `pong`.
 */
export class OkxConnection extends ManagedConnection {
  constructor(
    host: ConnectionHost,
    settings: ConnectionSettings,
    private readonly baseUrl: string,
  ) {
    super(host, settings);
  }

  protected url(): string {
    return `${this.baseUrl}${PUBLIC_PATH}`;
  }

  protected encode(op: ControlOp, subscriptions: readonly string[], id: number): string {
    return JSON.stringify({ id: String(id), op, args: subscriptions.map(argOf) });
  }

  protected override ping(socket: PingSocket): void {
    socket.send('ping');
  }

  protected decode(text: string): Frame {
    const frame = decodeFrame(text);
    switch (frame.kind) {
      case 'pong':
      case 'info':
        return HEARTBEAT;
      case 'notice':
        // Sent 60 s before the venue closes the connection for an upgrade ("Notification").
        this.host.logger.warn('venue notice: moving to a fresh connection', { code: frame.code, msg: frame.msg });
        this.renewNow();
        return HEARTBEAT;
      case 'ack':
        if (frame.id === undefined || frame.subscription === undefined) return { kind: 'malformed', reason: 'an ack without id or arg' };
        return { kind: 'reply', id: frame.id, streams: [frame.subscription] };
      case 'error':
        // An error names its request by id only; every argument of it not yet acked is refused.
        if (frame.id === undefined) return { kind: 'malformed', reason: `an error without a request id (${frame.code}: ${frame.msg})` };
        return { kind: 'reply', id: frame.id, error: `${frame.code}: ${frame.msg}` };
      case 'data': {
        // A push is its data array; one that says what it is (a book's snapshot or update) keeps that.
        const payload = frame.action === undefined ? (frame.data as JsonValue[]) : { action: frame.action, data: frame.data as JsonValue[] };
        return { kind: 'data', stream: `${frame.channel}:${frame.argument}`, payload };
      }
      case 'malformed':
        return frame;
    }
  }
}

const HEARTBEAT: Frame = { kind: 'heartbeat' };

/** `trades:BTC-USDT-SWAP` → `{"channel":"trades","instId":"BTC-USDT-SWAP"}`. */
export function argOf(subscription: string): { channel: string; instId?: string; instType?: string } {
  const at = subscription.indexOf(':');
  const channel = subscription.slice(0, at) as ChannelName;
  const argument = subscription.slice(at + 1);
  return CHANNELS[channel] === 'instType' ? { channel, instType: argument } : { channel, instId: argument };
}
