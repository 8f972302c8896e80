import type { MessageEnvelope } from '../common/envelope';
import type { Payload } from '../common/json';

/**
 * The bytes of one stream message on NATS. The subject names the stream, so the frame holds
 * only what the message carries: a fixed 25-byte head (kind, seq, ts, eventTs) and the payload,
 * JSON text or raw bytes. Binary rather than JSON so `seq` and times cross unchanged and the
 * payload is not parsed twice.
 */
const HEAD = 25;
const JSON_PAYLOAD = 0;
const BYTES_PAYLOAD = 1;

export interface Frame {
  readonly seq: number;
  readonly ts: number;
  readonly eventTs: number | undefined;
  readonly payload: Payload;
}

export function encodeFrame(msg: MessageEnvelope): Uint8Array {
  const bytes = msg.payload instanceof Uint8Array;
  const text = bytes ? '' : JSON.stringify(msg.payload);
  const size = bytes ? (msg.payload as Uint8Array).byteLength : Buffer.byteLength(text);
  const out = Buffer.allocUnsafe(HEAD + size);
  out[0] = bytes ? BYTES_PAYLOAD : JSON_PAYLOAD;
  out.writeDoubleLE(msg.seq, 1);
  out.writeDoubleLE(msg.ts, 9);
  out.writeDoubleLE(msg.eventTs ?? Number.NaN, 17);
  if (bytes) out.set(msg.payload as Uint8Array, HEAD);
  else out.write(text, HEAD, 'utf8');
  return out;
}

/** Throws on a frame this version cannot read; the caller counts and drops it. */
export function decodeFrame(data: Uint8Array): Frame {
  if (data.byteLength < HEAD) throw new Error(`frame of ${data.byteLength} bytes is shorter than its head`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const kind = buf[0];
  const seq = buf.readDoubleLE(1);
  const ts = buf.readDoubleLE(9);
  const eventTs = buf.readDoubleLE(17);
  let payload: Payload;
  if (kind === JSON_PAYLOAD) payload = JSON.parse(buf.toString('utf8', HEAD)) as Payload;
  else if (kind === BYTES_PAYLOAD) payload = Uint8Array.prototype.slice.call(buf, HEAD);
  else throw new Error(`unknown frame kind ${kind}`);
  return { seq, ts, eventTs: Number.isNaN(eventTs) ? undefined : eventTs, payload };
}
