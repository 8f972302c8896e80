import type { JsonValue, Payload } from '../common/json';
import { valueBytes } from '../common/payload-size';
import { BYTES, CLEAR, FALSE, F64, I32, JSON_TEXT, LIST, NEST_LIMIT, NEW_SHAPE, NULL, REPEAT, SHAPE, SHAPE8, STR16, STR32, STR8, TRUE } from './value-tags';

interface Layout {
  readonly keys: readonly string[];
  /** What the keys cost in a message's `size` (as `messageBytes` counts them). */
  readonly keyBytes: number;
  /** Each member's previous primitive value, for REPEAT. */
  readonly last: (JsonValue | undefined)[];
}

/** Node's own latin-1 / UTF-16 decoders (Buffer methods `toString` calls after its argument handling). */
type SliceBuffer = Buffer & { latin1Slice(start: number, end: number): string; ucs2Slice(start: number, end: number): string };

/**
 * Reads the payloads of one batch written by ValueWriter, and each one's `size` as
 * `messageBytes` counts it, in the same pass (no second walk over the value). Every length is
 * checked against the end of the batch: bytes that are not a batch throw, never read past it.
 */
export class ValueReader {
  private readonly buf: SliceBuffer;
  private readonly view: DataView;
  private readonly layouts: Layout[] = [];
  /** `size` of the payload read last, without the envelope's overhead. */
  bytes = 0;

  constructor(
    buf: Buffer,
    public at: number,
  ) {
    this.buf = buf as SliceBuffer;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.at === this.buf.length;
  }

  payload(): Payload {
    this.bytes = 0;
    const tag = this.buf[this.at];
    if (tag === CLEAR) {
      this.at++;
      for (const layout of this.layouts) layout.last.fill(undefined);
    } else if (tag === BYTES) {
      const n = this.count(1);
      const body = Uint8Array.prototype.slice.call(this.buf, this.at + 5, this.at + 5 + n);
      this.at += 5 + n;
      this.bytes = Math.ceil(n / 3) * 4 + 2;
      return body;
    }
    return this.value(0);
  }

  private value(depth: number): JsonValue {
    const buf = this.buf;
    const at = this.at;
    switch (buf[at]) {
      case NULL:
        this.at = at + 1;
        this.bytes += 4;
        return null;
      case FALSE:
        this.at = at + 1;
        this.bytes += 5;
        return false;
      case TRUE:
        this.at = at + 1;
        this.bytes += 5;
        return true;
      case I32:
        if (at + 5 > buf.length) throw short();
        this.at = at + 5;
        this.bytes += 8;
        return this.view.getInt32(at + 1, true);
      case F64:
        if (at + 9 > buf.length) throw short();
        this.at = at + 9;
        this.bytes += 8;
        return this.view.getFloat64(at + 1, true);
      case STR8:
      case STR32:
      case STR16:
        return this.string();
      case LIST: {
        if (depth >= NEST_LIMIT) throw deep();
        const n = this.count(1);
        this.at = at + 5;
        const out: JsonValue[] = new Array<JsonValue>(n);
        this.bytes += 2 + n;
        for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
        return out;
      }
      case NEW_SHAPE:
        if (depth >= NEST_LIMIT) throw deep();
        return this.object(this.define(), depth);
      case SHAPE8:
      case SHAPE: {
        if (depth >= NEST_LIMIT) throw deep();
        const wide = buf[at] === SHAPE;
        if (at + (wide ? 3 : 2) > buf.length) throw short();
        const layout = this.layouts[wide ? this.view.getUint16(at + 1, true) : buf[at + 1]];
        if (layout === undefined) throw new Error('an object refers to a layout the batch has not defined');
        this.at = at + (wide ? 3 : 2);
        return this.object(layout, depth);
      }
      case JSON_TEXT: {
        const n = this.count(1);
        const value = JSON.parse(buf.toString('utf8', at + 5, at + 5 + n)) as JsonValue;
        this.at = at + 5 + n;
        this.bytes += valueBytes(value, depth);
        return value;
      }
      default:
        throw new Error(at >= buf.length ? 'the batch ends inside a payload' : `unknown value tag ${buf[at]}`);
    }
  }

  private define(): Layout {
    const k = this.count(1);
    this.at += 5;
    const keys: string[] = [];
    let keyBytes = 2;
    // Reading keys as strings counts them as values: they belong to keyBytes alone.
    const before = this.bytes;
    for (let i = 0; i < k; i++) {
      const key = this.string();
      // The writer sends such an object as JSON text: here it would set the object's prototype.
      if (key === '__proto__') throw new Error('a layout with a __proto__ key');
      keys.push(key);
      keyBytes += key.length + 4;
    }
    this.bytes = before;
    const layout: Layout = { keys, keyBytes, last: new Array<JsonValue | undefined>(k).fill(undefined) };
    this.layouts.push(layout);
    return layout;
  }

  private object(layout: Layout, depth: number): JsonValue {
    const out: { [key: string]: JsonValue } = {};
    const { keys, last } = layout;
    const buf = this.buf;
    for (let i = 0; i < keys.length; i++) {
      let x: JsonValue;
      const at = this.at;
      const tag = buf[at];
      if (tag === REPEAT) {
        const prev = last[i];
        if (prev === undefined) throw new Error('a member repeats a value it never had');
        this.at = at + 1;
        this.bytes += typeof prev === 'string' ? prev.length + 2 : typeof prev === 'number' ? 8 : prev === null ? 4 : 5;
        x = prev;
      } else if (tag === F64 && at + 9 <= buf.length) {
        // The common members inline (value() does the same).
        x = last[i] = this.view.getFloat64(at + 1, true);
        this.at = at + 9;
        this.bytes += 8;
      } else if (tag === I32 && at + 5 <= buf.length) {
        x = last[i] = this.view.getInt32(at + 1, true);
        this.at = at + 5;
        this.bytes += 8;
      } else {
        x = this.value(depth + 1);
        last[i] = typeof x === 'object' && x !== null ? undefined : x;
      }
      out[keys[i]] = x;
    }
    this.bytes += layout.keyBytes;
    return out;
  }

  private string(): string {
    const buf = this.buf;
    const at = this.at;
    const tag = buf[at];
    if (tag === STR8) {
      if (at + 2 > buf.length) throw short();
      const end = at + 2 + buf[at + 1];
      if (end > buf.length) throw short();
      this.at = end;
      this.bytes += end - at;
      return buf.latin1Slice(at + 2, end);
    }
    if (tag !== STR32 && tag !== STR16) throw new Error(`expected a string, found tag ${tag}`);
    const n = this.count(tag === STR16 ? 2 : 1);
    const end = at + 5 + (tag === STR16 ? 2 * n : n);
    this.at = end;
    this.bytes += n + 2;
    return tag === STR16 ? buf.ucs2Slice(at + 5, end) : buf.latin1Slice(at + 5, end);
  }

  /** The u32 after the tag, checked: `unit` bytes each must still fit in the batch. */
  private count(unit: number): number {
    const at = this.at;
    if (at + 5 > this.buf.length) throw short();
    const n = this.view.getUint32(at + 1, true);
    if (n * unit > this.buf.length - at - 5) throw short();
    return n;
  }
}

/** The writer sends anything nested this deep as JSON text. */
function deep(): Error {
  return new Error(`values nested deeper than ${NEST_LIMIT}`);
}

function short(): Error {
  return new Error('a value runs past the end of the batch');
}
