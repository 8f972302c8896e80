import { createWriteStream, type WriteStream } from 'node:fs';
import type { MessageEnvelope } from '../../common/envelope';
import type { JsonValue, Payload } from '../../common/json';

/**
 * One recorded message. On disk it is one NDJSON line:
 * `{"id":"synthetic::btcusdt.ticks","ts":1700000000000,"eventTs":1700000000000,"payload":{…}}`.
 * `id` is canonical identifier text, `ts` the ms the service took the message in, `eventTs`
 * optional. A bytes payload is written as `"bytes":"<base64>"` instead of `payload`, so JSON
 * payloads never need escaping. Other fields are ignored, so newer writers stay readable.
 */
export interface RecordedMessage {
  readonly id: string;
  readonly ts: number;
  readonly eventTs?: number;
  readonly payload: Payload;
}

export type RecordingLineResult =
  | { readonly ok: true; readonly record: RecordedMessage }
  | { readonly ok: false; readonly error: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one line (`lineNo` is 1-based, for the message); never throws. */
export function parseRecordingLine(text: string, lineNo: number): RecordingLineResult {
  const bad = (why: string): RecordingLineResult => ({ ok: false, error: `line ${lineNo}: ${why}` });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return bad(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) return bad('not a JSON object');
  const { id, ts, eventTs, payload, bytes } = value;
  if (typeof id !== 'string' || id.length === 0) return bad('"id" must be a non-empty string');
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return bad('"ts" must be a number (ms)');
  if (eventTs !== undefined && (typeof eventTs !== 'number' || !Number.isFinite(eventTs))) {
    return bad('"eventTs" must be a number (ms) when present');
  }
  let body: Payload;
  if (payload !== undefined) {
    body = payload as JsonValue;
  } else if (typeof bytes === 'string') {
    body = new Uint8Array(Buffer.from(bytes, 'base64'));
  } else {
    return bad('"payload" (or "bytes") is missing');
  }
  return { ok: true, record: eventTs === undefined ? { id, ts, payload: body } : { id, ts, eventTs, payload: body } };
}

/** The NDJSON line (without newline) for a message envelope. */
export function formatRecordingLine(msg: MessageEnvelope): string {
  const head: Record<string, JsonValue> = { id: msg.id, ts: msg.ts };
  if (msg.eventTs !== undefined) head.eventTs = msg.eventTs;
  if (msg.payload instanceof Uint8Array) head.bytes = Buffer.from(msg.payload).toString('base64');
  else head.payload = msg.payload;
  return JSON.stringify(head);
}

export interface RecordingWriterOptions {
  /** Add to an existing file instead of replacing it (default false). */
  append?: boolean;
}

/**
 * Appends message envelopes to an NDJSON file through a write stream. `close` flushes and
 * reports any write error; writing after `close` throws.
 */
export class RecordingWriter {
  /** Lines handed to the stream so far. */
  written = 0;
  private readonly stream: WriteStream;
  private error: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(readonly path: string, options: RecordingWriterOptions = {}) {
    this.stream = createWriteStream(path, { flags: options.append ? 'a' : 'w', encoding: 'utf8' });
    // Kept for close(): an unhandled 'error' event would otherwise crash the process.
    this.stream.on('error', (error) => {
      this.error ??= error;
    });
  }

  /** Opens the file and resolves once it is ready, or rejects (e.g. the folder is missing). */
  static open(path: string, options: RecordingWriterOptions = {}): Promise<RecordingWriter> {
    const writer = new RecordingWriter(path, options);
    return new Promise((resolve, reject) => {
      if (writer.error) return reject(writer.error);
      writer.stream.once('ready', () => resolve(writer));
      writer.stream.once('error', reject);
    });
  }

  /** Queues one line; false means the stream's buffer is full (wait for `drain()` if you care). */
  write(msg: MessageEnvelope): boolean {
    if (this.closing) throw new Error(`RecordingWriter: ${this.path} is closed`);
    if (this.error) throw this.error;
    this.written++;
    return this.stream.write(formatRecordingLine(msg) + '\n');
  }

  /** Resolves once the stream's buffer has room again. */
  drain(): Promise<void> {
    if (!this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.stream.once('drain', resolve));
  }

  /** Flushes everything and closes the file; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      const finish = (): void => (this.error ? reject(this.error) : resolve());
      if (this.stream.destroyed) return finish();
      this.stream.end(() => finish());
      this.stream.once('error', () => finish());
    });
    return this.closing;
  }
}
