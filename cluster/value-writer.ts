import type { Payload } from '../common/json';
import { ByteWriter } from './byte-writer';
import { CLEAR, FALSE, LIST, MAX_SHAPES, NEST_LIMIT, NEW_SHAPE, NULL, REPEAT, SHAPE, SHAPE8, TRUE } from './value-tags';

const FITS = 0;
const MISFIT = 1;
const FAILS = 2;
/** Thrown up to `payload` when a misfit cannot be undone where it happened. */
const RESTART = new Error('the payload is written again');

/** One object layout of a batch: its keys in order, and each member's previous primitive value. */
interface Shape {
  readonly id: number;
  readonly keys: readonly string[];
  readonly last: unknown[];
}

/**
 * Writes payloads in the link's binary value format (value-tags.ts), batch after batch into one
 * buffer: numbers as int32 or float64, short strings as latin-1 bytes (ByteWriter), each object
 * layout's keys once per batch, unchanged members as one byte. That is what makes a batch
 * cheaper than JSON text at both ends: no number printing or parsing, far fewer bytes on the wire.
 * Anything JSON treats specially (a `toJSON`, a class instance, an undefined member) goes as
 * JSON text instead, so the importer gets exactly what JSON would have given it.
 */
export class ValueWriter extends ByteWriter {
  private shapes: Shape[] = [];
  private readonly byKeys = new Map<string, Shape>();
  /** The layout last written at each depth: tried first for the next object there. */
  private readonly recent: (Shape | undefined)[] = [];
  /** Previous values of the members of the object being written, to undo a misfit. */
  private readonly saved: unknown[] = [];
  /** Set while a payload is written again after a misfit: layouts are looked up by their keys. */
  private slow = false;

  /** Starts a batch; its first `head` bytes are the caller's (`bytes`, `data`). */
  begin(head: number): void {
    this.reset(head);
    this.shapes = [];
    this.byKeys.clear();
    this.recent.length = 0;
  }

  payload(value: Payload): void {
    if (value instanceof Uint8Array) return this.raw(value);
    const at = this.at;
    const shapes = this.shapes.length;
    try {
      if (this.value(value, 0)) return;
    } catch (error) {
      if (error !== RESTART) throw error;
      // An object did not fit the layout tried after members that are objects were written.
      this.rewind(at, shapes);
      this.slow = true;
      try {
        if (this.value(value, 0)) return;
      } finally {
        this.slow = false;
      }
    }
    // Something JSON treats specially: the whole payload goes as JSON text.
    this.rewind(at, shapes);
    this.json(value);
  }

  /** Back to `at`: layouts met since are forgotten, and members' previous values (the reader never saw these writes). */
  private rewind(at: number, shapes: number): void {
    this.at = at;
    while (this.shapes.length > shapes) this.byKeys.delete(JSON.stringify(this.shapes.pop()!.keys));
    this.recent.length = 0;
    for (const shape of this.shapes) shape.last.fill(undefined);
    this.tag(CLEAR);
  }

  /** False when the value must go as JSON text (the caller rewinds). */
  private value(v: unknown, depth: number): boolean {
    switch (typeof v) {
      case 'number':
        this.number(v);
        return true;
      case 'string':
        this.string(v);
        return true;
      case 'boolean':
        return this.tag(v ? TRUE : FALSE);
      case 'object':
        if (v === null) return this.tag(NULL);
        if (depth >= NEST_LIMIT) return this.json(v);
        if (Array.isArray(v)) return this.list(v, depth);
        return this.object(v as Record<string, unknown>, depth);
      default:
        // undefined, functions, symbols: JSON leaves them out of objects (bigint: it throws).
        return false;
    }
  }

  private list(items: readonly unknown[], depth: number): boolean {
    this.room(5);
    this.buf[this.at] = LIST;
    this.view.setUint32(this.at + 1, items.length, true);
    this.at += 5;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const t = typeof item;
      // JSON writes null for these in an array.
      if (t === 'undefined' || t === 'function' || t === 'symbol') this.tag(NULL);
      else if (!this.value(item, depth + 1)) return false;
    }
    return true;
  }

  private object(v: Record<string, unknown>, depth: number): boolean {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    const recent = this.slow ? undefined : this.recent[depth];
    if (recent !== undefined) {
      const fit = this.members(v, recent, depth, true, true);
      if (fit !== MISFIT) return fit === FITS;
    }
    const keys: string[] = [];
    for (const key in v) keys.push(key);
    const known = this.byKeys.get(JSON.stringify(keys));
    const shape = known ?? this.define(keys);
    if (shape === undefined) return false;
    this.recent[depth] = shape;
    return this.members(v, shape, depth, false, known !== undefined) === FITS;
  }

  /**
   * Writes `v` as an object of `shape`, checking (when `check`) that its keys are the shape's
   * while writing them, so the keys are walked once. A misfit rewinds; if members that are
   * objects were written meanwhile (their layouts' previous values changed), the payload starts over.
   */
  private members(v: Record<string, unknown>, shape: Shape, depth: number, check: boolean, ref: boolean): number {
    const start = this.at;
    if (ref) {
      this.room(3);
      if (shape.id < 256) {
        this.buf[this.at] = SHAPE8;
        this.buf[this.at + 1] = shape.id;
        this.at += 2;
      } else {
        this.buf[this.at] = SHAPE;
        this.view.setUint16(this.at + 1, shape.id, true);
        this.at += 3;
      }
    }
    const { keys, last } = shape;
    const saved = this.saved;
    let nested = false;
    let i = 0;
    for (const key in v) {
      if (check && keys[i] !== key) return this.misfit(shape, i, start, nested);
      const x = v[key];
      const prev = last[i];
      saved[i] = prev;
      if (x === prev && x !== undefined) {
        this.room(1);
        this.buf[this.at++] = REPEAT;
      } else if (typeof x === 'number') {
        this.number(x);
        last[i] = x;
      } else if (typeof x === 'object' && x !== null) {
        nested = true;
        if (!this.value(x, depth + 1)) return FAILS;
        // Only primitives repeat: an object member is a new object every time.
        last[i] = undefined;
      } else {
        if (!this.value(x, depth + 1)) return FAILS;
        last[i] = x;
      }
      i++;
    }
    return i === keys.length ? FITS : this.misfit(shape, i, start, nested);
  }

  private misfit(shape: Shape, written: number, start: number, nested: boolean): number {
    if (nested) throw RESTART;
    for (let i = 0; i < written; i++) shape.last[i] = this.saved[i];
    this.at = start;
    return MISFIT;
  }

  /** Writes the definition of a new layout; undefined when JSON must carry the object. */
  private define(keys: string[]): Shape | undefined {
    // `__proto__` would set the prototype when the importer builds the object; JSON text defines it.
    if (keys.includes('__proto__') || this.shapes.length >= MAX_SHAPES) return undefined;
    const shape: Shape = { id: this.shapes.length, keys, last: new Array<unknown>(keys.length).fill(undefined) };
    this.shapes.push(shape);
    this.byKeys.set(JSON.stringify(keys), shape);
    this.room(5);
    this.buf[this.at] = NEW_SHAPE;
    this.view.setUint32(this.at + 1, keys.length, true);
    this.at += 5;
    for (const key of keys) this.string(key);
    return shape;
  }
}
