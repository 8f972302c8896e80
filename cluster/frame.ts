import type { MessageEnvelope } from '../common/envelope';
import type { JsonValue, Payload } from '../common/json';

/**
 * The bytes of one NATS message on a stream subject: a batch of that stream's messages, in
 * order, all of one epoch. The subject names the stream, so only what the messages carry is
 * sent: their epoch once, their seq, ts and eventTs as float64s (they cross unchanged), then the
 * payloads. A batch of JSON payloads is one JSON array, written and parsed in one call each; a
 * batch with bytes in it carries each payload with its length and kind.
 *
 *   u8 kind | u32 count | u8 n | n bytes of epoch (utf8) | count × (f64 seq, f64 ts, f64 eventTs or NaN) | payloads
 */
const JSON_BATCH = 0;
const MIXED_BATCH = 1;
const NUMBERS = 24;

export interface Frame {
  /** The same string object for every message of one batch. */
  readonly epoch: string;
  readonly seq: number;
  readonly ts: number;
  readonly eventTs: number | undefined;
  readonly payload: Payload;
}

/** `msgs` must share one epoch (the publisher cuts batches where it changes). */
export function encodeFrames(msgs: readonly MessageEnvelope[]): Uint8Array {
  const epoch = Buffer.from(msgs.length > 0 ? msgs[0].epoch : '', 'utf8');
  if (epoch.length > 255) throw new Error('epoch longer than 255 bytes');
  const start = 6 + epoch.length;
  const head = start + NUMBERS * msgs.length;
  const mixed = msgs.some((m) => m.payload instanceof Uint8Array);
  let out: Buffer;
  if (!mixed) {
    const text = JSON.stringify(msgs.map((m) => m.payload));
    out = Buffer.allocUnsafe(head + Buffer.byteLength(text));
    out.write(text, head, 'utf8');
  } else {
    const bodies = msgs.map((m) => (m.payload instanceof Uint8Array ? m.payload : Buffer.from(JSON.stringify(m.payload))));
    out = Buffer.allocUnsafe(head + bodies.reduce((sum, b) => sum + 5 + b.byteLength, 0));
    let at = head;
    msgs.forEach((msg, i) => {
      out[at] = msg.payload instanceof Uint8Array ? 1 : 0;
      out.writeUInt32LE(bodies[i].byteLength, at + 1);
      out.set(bodies[i], at + 5);
      at += 5 + bodies[i].byteLength;
    });
  }
  out[0] = mixed ? MIXED_BATCH : JSON_BATCH;
  out.writeUInt32LE(msgs.length, 1);
  out[5] = epoch.length;
  out.set(epoch, 6);
  msgs.forEach((msg, i) => {
    const at = start + NUMBERS * i;
    out.writeDoubleLE(msg.seq, at);
    out.writeDoubleLE(msg.ts, at + 8);
    out.writeDoubleLE(msg.eventTs ?? Number.NaN, at + 16);
  });
  return out;
}

/** Calls `each` per message; throws on bytes this version cannot read (the caller counts and drops them). */
export function decodeFrames(data: Uint8Array, each: (frame: Frame) => void): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 6 || buf.length < 6 + buf[5]) throw new Error(`batch of ${buf.length} bytes is shorter than its head`);
  const kind = buf[0];
  const count = buf.readUInt32LE(1);
  const epoch = buf.toString('utf8', 6, 6 + buf[5]);
  const start = 6 + buf[5];
  const head = start + NUMBERS * count;
  if (head > buf.length) throw new Error(`batch of ${count} messages runs past the end of its bytes`);
  const payloads = kind === JSON_BATCH ? jsonPayloads(buf, head, count) : kind === MIXED_BATCH ? mixedPayloads(buf, head, count) : undefined;
  if (payloads === undefined) throw new Error(`unknown batch kind ${kind}`);
  for (let i = 0; i < count; i++) {
    const at = start + NUMBERS * i;
    const eventTs = buf.readDoubleLE(at + 16);
    each({ epoch, seq: buf.readDoubleLE(at), ts: buf.readDoubleLE(at + 8), eventTs: Number.isNaN(eventTs) ? undefined : eventTs, payload: payloads[i] });
  }
}

function jsonPayloads(buf: Buffer, from: number, count: number): Payload[] {
  const payloads = JSON.parse(buf.toString('utf8', from)) as JsonValue;
  if (!Array.isArray(payloads) || payloads.length !== count) throw new Error(`batch does not hold ${count} payloads`);
  return payloads;
}

function mixedPayloads(buf: Buffer, from: number, count: number): Payload[] {
  const payloads: Payload[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    if (at + 5 > buf.length) throw new Error('payload runs past the end of the batch');
    const end = at + 5 + buf.readUInt32LE(at + 1);
    if (end > buf.length) throw new Error('payload runs past the end of the batch');
    const body = buf.subarray(at + 5, end);
    payloads.push(buf[at] === 1 ? Uint8Array.prototype.slice.call(body) : (JSON.parse(body.toString('utf8')) as Payload));
    at = end;
  }
  return payloads;
}
