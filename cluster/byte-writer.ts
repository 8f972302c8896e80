import { BYTES, F64, I32, JSON_TEXT, NULL, STR16, STR32, STR8 } from './value-tags';

/** Past this the buffer is given back at the next batch. */
const KEEP_BYTES = 4 * 1_048_576;

/**
 * The primitives of the link's binary value format (value-tags.ts), written into one growing
 * buffer that is reused batch after batch (encoding is synchronous, one batch at a time).
 */
export class ByteWriter {
  protected buf = Buffer.allocUnsafe(1 << 16);
  protected view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  protected at = 0;

  /** Starts again; the first `head` bytes are the caller's (`bytes`, `data`). */
  protected reset(head: number): void {
    // One huge payload must not keep its buffer's size for the life of the process.
    if (this.buf.length > KEEP_BYTES) {
      this.buf = Buffer.allocUnsafe(1 << 16);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    this.at = 0;
    this.room(head);
    this.at = head;
  }

  /** The batch so far; valid until the next `begin` or write. */
  get bytes(): Buffer {
    return this.buf;
  }

  get data(): DataView {
    return this.view;
  }

  get length(): number {
    return this.at;
  }

  /** Makes room for `n` more bytes at `length` and returns where they start. */
  reserve(n: number): number {
    this.room(n);
    const at = this.at;
    this.at += n;
    return at;
  }

  /** A Uint8Array payload, as it is. */
  protected raw(value: Uint8Array): void {
    this.room(5 + value.byteLength);
    this.buf[this.at] = BYTES;
    this.view.setUint32(this.at + 1, value.byteLength, true);
    this.buf.set(value, this.at + 5);
    this.at += 5 + value.byteLength;
  }

  protected number(v: number): void {
    this.room(9);
    if ((v | 0) === v) {
      // -0 too: JSON text makes it 0.
      this.buf[this.at] = I32;
      this.view.setInt32(this.at + 1, v, true);
      this.at += 5;
    } else if (Number.isFinite(v)) {
      this.buf[this.at] = F64;
      this.view.setFloat64(this.at + 1, v, true);
      this.at += 9;
    } else this.buf[this.at++] = NULL;
  }

  /** Latin-1 bytes while every char fits one; otherwise UTF-16 code units, so lone surrogates survive. */
  protected string(s: string): void {
    const n = s.length;
    const short = n < 256;
    this.room(5 + n);
    const start = this.at;
    let p = start + (short ? 2 : 5);
    const buf = this.buf;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) return this.wide(s, start);
      buf[p++] = c;
    }
    buf[start] = short ? STR8 : STR32;
    if (short) buf[start + 1] = n;
    else this.view.setUint32(start + 1, n, true);
    this.at = p;
  }

  private wide(s: string, start: number): void {
    this.at = start;
    this.room(5 + 2 * s.length);
    this.buf[this.at] = STR16;
    this.view.setUint32(this.at + 1, s.length, true);
    this.buf.write(s, this.at + 5, 'utf16le');
    this.at += 5 + 2 * s.length;
  }

  /** JSON text of `v` (throws as JSON.stringify does, for a cycle or a bigint). */
  protected json(v: unknown): true {
    const text = JSON.stringify(v) ?? 'null';
    const n = Buffer.byteLength(text);
    this.room(5 + n);
    this.buf[this.at] = JSON_TEXT;
    this.view.setUint32(this.at + 1, n, true);
    this.buf.write(text, this.at + 5, 'utf8');
    this.at += 5 + n;
    return true;
  }

  protected tag(t: number): true {
    this.room(1);
    this.buf[this.at++] = t;
    return true;
  }

  protected room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}
