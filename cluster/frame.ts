import type { MessageEnvelope } from '../common/envelope';
import { TesseraError } from '../common/errors';
import type { Payload } from '../common/json';
import { ENVELOPE_OVERHEAD_BYTES } from '../common/payload-size';
import { readColumn, writeColumn } from './frame-columns';
import { ValueReader } from './value-reader';
import { ValueWriter } from './value-writer';

/**
 * The bytes of one NATS message on a stream subject: a batch of that stream's messages, in
 * order, all of one epoch. The subject names the stream, so only what the messages carry is
 * sent: their epoch once, their seq, ts and eventTs as columns (frame-columns.ts; they cross
 * unchanged), then the payloads in the binary value format of value-tags.ts.
 *
 *   u8 version | u32 count | u8 n | n bytes of epoch (utf8) | seq column | ts column | eventTs column | count payloads
 *
 * Version 1 (JSON payloads, before this format) began with a kind byte, 0 or 1; a node reading
 * another version refuses the batch with NOT_SUPPORTED instead of misreading it.
 */
export const FRAME_VERSION = 2;

/** Called once per message of a batch; `size` is the message's `size` as `messageBytes` counts it. */
export type FrameSink = (epoch: string, seq: number, ts: number, eventTs: number | undefined, payload: Payload, size: number) => void;

/** One for the process: buffers reused by every batch (encoding is synchronous). */
const writer = new ValueWriter();
let columns = { seq: new Float64Array(256), ts: new Float64Array(256), eventTs: new Float64Array(256) };
/** The epoch last written, as bytes: a stream keeps one epoch for its life. */
let epochText = '';
let epochBytes = Buffer.alloc(0);

/** `msgs` must share one epoch (the publisher cuts batches where it changes). */
export function encodeFrames(msgs: readonly MessageEnvelope[]): Uint8Array {
  const n = msgs.length;
  const text = n > 0 ? msgs[0].epoch : '';
  if (text !== epochText) {
    epochBytes = Buffer.from(text, 'utf8');
    epochText = text;
  }
  const epoch = epochBytes;
  if (epoch.length > 255) throw new Error('epoch longer than 255 bytes');
  if (columns.seq.length < n) columns = { seq: new Float64Array(n), ts: new Float64Array(n), eventTs: new Float64Array(n) };
  const { seq, ts, eventTs } = columns;
  for (let i = 0; i < n; i++) {
    const msg = msgs[i];
    seq[i] = msg.seq;
    ts[i] = msg.ts;
    eventTs[i] = msg.eventTs ?? Number.NaN;
  }
  writer.begin(6 + epoch.length);
  const head = writer.bytes;
  head[0] = FRAME_VERSION;
  writer.data.setUint32(1, n, true);
  head[5] = epoch.length;
  head.set(epoch, 6);
  writeColumn(writer, seq, n, false);
  writeColumn(writer, ts, n, false);
  writeColumn(writer, eventTs, n, true);
  for (let i = 0; i < n; i++) writer.payload(msgs[i].payload);
  return Uint8Array.prototype.slice.call(writer.bytes, 0, writer.length);
}

/**
 * Calls `each` per message. Throws on bytes this version cannot read: NOT_SUPPORTED for another
 * frame version, BAD_REQUEST for anything else. Everything is read before the first call, so a
 * bad batch delivers nothing (the caller counts it and announces the gap).
 */
export function decodeFrames(data: Uint8Array, each: FrameSink): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length > 0 && buf[0] !== FRAME_VERSION) {
    const version = buf[0] <= 1 ? 1 : buf[0];
    throw new TesseraError('NOT_SUPPORTED', `batch of frame version ${version}; this node reads version ${FRAME_VERSION} (run one Tessera version on linked nodes)`, { details: { version } });
  }
  if (buf.length < 6 || buf.length < 6 + buf[5]) throw bad(`batch of ${buf.length} bytes is shorter than its head`);
  const count = buf.readUInt32LE(1);
  // Each message takes at least one byte: a count past that is not a batch (and must not size arrays).
  if (count > buf.length) throw bad(`batch of ${buf.length} bytes cannot hold ${count} messages`);
  const epoch = buf.toString('utf8', 6, 6 + buf[5]);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const seq = new Float64Array(count);
  const ts = new Float64Array(count);
  const eventTs = new Float64Array(count);
  const payloads: Payload[] = new Array<Payload>(count);
  const sizes: number[] = new Array<number>(count);
  try {
    let at = readColumn(view, 6 + buf[5], seq);
    at = readColumn(view, at, ts);
    at = readColumn(view, at, eventTs);
    const reader = new ValueReader(buf, at);
    for (let i = 0; i < count; i++) {
      payloads[i] = reader.payload();
      sizes[i] = ENVELOPE_OVERHEAD_BYTES + reader.bytes;
    }
    if (!reader.done) throw new Error(`bytes after its ${count} payloads`);
  } catch (error) {
    throw bad(error instanceof Error ? error.message : String(error));
  }
  for (let i = 0; i < count; i++) each(epoch, seq[i], ts[i], Number.isNaN(eventTs[i]) ? undefined : eventTs[i], payloads[i], sizes[i]);
}

function bad(message: string): TesseraError {
  return new TesseraError('BAD_REQUEST', `malformed batch: ${message}`);
}
