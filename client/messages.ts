import type { JsonValue } from '../common/json';
import type { MsgFrame } from './protocol';

/** One message as the client hands it out: the wire frame, with bytes payloads decoded. */
export interface ClientMessage extends Omit<MsgFrame, 'payload' | 'bytes'> {
  readonly payload: JsonValue | Uint8Array;
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The frame itself when it carries JSON (no copy on the common path); a decoded copy for bytes. */
export function toMessage(frame: MsgFrame): ClientMessage {
  if (frame.bytes === undefined) return frame as ClientMessage;
  const { bytes, ...rest } = frame;
  return { ...rest, payload: decodeBase64(bytes) };
}

/** Where a stream stood: `(epoch, seq)`. */
export interface Position {
  readonly epoch?: string;
  readonly seq: number;
}

/**
 * Data of a stream the client did not get. `jump`: seq skipped `missed` messages; `epoch`: the
 * counter's origin changed (a restart upstream), so what happened between is unknown; `reset`:
 * seq went back without a new epoch (a server without epochs restarted); `notice`: the server
 * said data was lost upstream (`reason`); `overflow`: a subscription's own queue was full and
 * dropped its oldest message.
 */
export interface Gap {
  readonly id: string;
  readonly kind: 'jump' | 'epoch' | 'reset' | 'notice' | 'overflow';
  readonly missed?: number;
  readonly reason?: string;
  readonly from?: Position;
  readonly to?: Position;
}

/** Last position per stream; reports each break in `(epoch, seq)` as a Gap. */
export class GapDetector {
  private readonly last = new Map<string, { epoch: string | undefined; seq: number }>();

  check(frame: MsgFrame): Gap | undefined {
    const last = this.last.get(frame.id);
    if (last === undefined) {
      this.last.set(frame.id, { epoch: frame.epoch, seq: frame.seq });
      return undefined;
    }
    if (frame.epoch !== last.epoch) return this.move(last, frame, 'epoch');
    if (frame.seq === last.seq + 1) {
      last.seq = frame.seq;
      return undefined;
    }
    if (frame.seq > last.seq) return this.move(last, frame, 'jump');
    // A cached last value or a state snapshot may repeat what was seen: not a break.
    if (frame.cached === true || frame.state === true) return undefined;
    return this.move(last, frame, 'reset');
  }

  /** Forgets streams no longer wanted, so wanting them again later is not taken for a gap. */
  retain(keep: (id: string) => boolean): void {
    for (const id of [...this.last.keys()]) if (!keep(id)) this.last.delete(id);
  }

  private move(last: { epoch: string | undefined; seq: number }, frame: MsgFrame, kind: Gap['kind']): Gap {
    const from: Position = last.epoch === undefined ? { seq: last.seq } : { epoch: last.epoch, seq: last.seq };
    const to: Position = frame.epoch === undefined ? { seq: frame.seq } : { epoch: frame.epoch, seq: frame.seq };
    last.epoch = frame.epoch;
    last.seq = frame.seq;
    return { id: frame.id, kind, from, to, ...(kind === 'jump' ? { missed: to.seq - from.seq - 1 } : {}) };
  }
}
