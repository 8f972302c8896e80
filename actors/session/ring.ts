/** A slot holding a whole array of items, shared with other rings, read from `from` on. */
class Run<T> {
  constructor(
    readonly items: readonly T[],
    public from: number,
  ) {}
}

/**
 * A growable FIFO ring of bounded capacity, addressed by absolute position (the count of items
 * ever pushed before it), so callers can remember where an item sits across shifts.
 *
 * `pushAll` appends a whole array as one slot without copying it (the router hands the same
 * batch to every session that wants all of it); positions still count items, not slots.
 */
export class Ring<T> {
  private slots: (T | Run<T> | undefined)[] = new Array<T | Run<T> | undefined>(16);
  private start = 0;
  /** Slots in use. */
  private used = 0;
  /** Items held (a run counts for what is left of it). */
  private count = 0;
  /** Absolute position of the oldest item. */
  private headPos = 0;
  /** Runs held; while 0, slot i is item i and positions map straight to slots. */
  private runs = 0;

  get size(): number {
    return this.count;
  }

  get head(): number {
    return this.headPos;
  }

  /** Absolute position the next push will take. */
  get tail(): number {
    return this.headPos + this.count;
  }

  push(item: T): void {
    this.pushSlot(item);
    this.count++;
  }

  /** Appends every item of `items`, in order, as one slot; the caller must never change `items`. */
  pushAll(items: readonly T[]): void {
    if (items.length === 0) return;
    this.pushSlot(new Run(items, 0));
    this.runs++;
    this.count += items.length;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const slot = this.slots[this.start];
    let item: T;
    if (slot instanceof Run) {
      item = slot.items[slot.from++];
      if (slot.from === slot.items.length) {
        this.runs--;
        this.dropSlot();
      }
    } else {
      item = slot as T;
      this.dropSlot();
    }
    this.count--;
    this.headPos++;
    return item;
  }

  peek(): T | undefined {
    if (this.count === 0) return undefined;
    const slot = this.slots[this.start];
    return slot instanceof Run ? slot.items[slot.from] : slot;
  }

  /** The item at absolute position `pos`, if still held. */
  at(pos: number): T | undefined {
    const offset = pos - this.headPos;
    if (offset < 0 || offset >= this.count) return undefined;
    if (this.runs === 0) return this.slots[(this.start + offset) & (this.slots.length - 1)] as T;
    const [slot, index] = this.locate(offset);
    const held = this.slots[slot];
    return held instanceof Run ? held.items[held.from + index] : (held as T);
  }

  replace(pos: number, item: T): void {
    const offset = pos - this.headPos;
    if (offset < 0 || offset >= this.count) throw new RangeError(`position ${pos} not held`);
    if (this.runs === 0) {
      this.slots[(this.start + offset) & (this.slots.length - 1)] = item;
      return;
    }
    const [slot, index] = this.locate(offset);
    const held = this.slots[slot];
    if (held instanceof Run) {
      // Shared with other rings: this one gets its own copy of what is left of the run.
      const copy = held.items.slice(held.from);
      copy[index] = item;
      this.slots[slot] = new Run(copy, 0);
    } else {
      this.slots[slot] = item;
    }
  }

  /** Calls `visit` with every item held and its position, oldest first. */
  forEach(visit: (item: T, pos: number) => void): void {
    let pos = this.headPos;
    for (let i = 0; i < this.used; i++) {
      const slot = this.slots[(this.start + i) & (this.slots.length - 1)];
      if (slot instanceof Run) {
        for (let k = slot.from; k < slot.items.length; k++) visit(slot.items[k], pos++);
      } else {
        visit(slot as T, pos++);
      }
    }
  }

  clear(): void {
    while (this.count > 0) this.shift();
    if (this.slots.length > 16) {
      this.slots = new Array<T | Run<T> | undefined>(16);
      this.start = 0;
    }
  }

  private pushSlot(slot: T | Run<T>): void {
    if (this.used === this.slots.length) this.grow();
    this.slots[(this.start + this.used) & (this.slots.length - 1)] = slot;
    this.used++;
  }

  private dropSlot(): void {
    this.slots[this.start] = undefined;
    this.start = (this.start + 1) & (this.slots.length - 1);
    this.used--;
  }

  /** Slot index and index within it of the item `offset` places from the head. */
  private locate(offset: number): [number, number] {
    for (let i = 0; i < this.used; i++) {
      const slot = (this.start + i) & (this.slots.length - 1);
      const held = this.slots[slot];
      const length = held instanceof Run ? held.items.length - held.from : 1;
      if (offset < length) return [slot, offset];
      offset -= length;
    }
    throw new RangeError('ring positions out of step');
  }

  private grow(): void {
    const next = new Array<T | Run<T> | undefined>(this.slots.length * 2);
    for (let i = 0; i < this.used; i++) next[i] = this.slots[(this.start + i) & (this.slots.length - 1)];
    this.slots = next;
    this.start = 0;
  }
}
