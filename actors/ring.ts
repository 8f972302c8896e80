/**
 * A growable FIFO ring of bounded capacity, addressed by absolute position (the count of items
 * ever pushed before it), so callers can remember where an item sits across shifts.
 */
export class Ring<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(16);
  private start = 0;
  private count = 0;
  /** Absolute position of the oldest item. */
  private headPos = 0;

  get size(): number {
    return this.count;
  }

  get head(): number {
    return this.headPos;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.start + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const slot = this.start;
    const item = this.items[slot];
    this.items[slot] = undefined;
    this.start = (slot + 1) & (this.items.length - 1);
    this.count--;
    this.headPos++;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.start];
  }

  /** The item at absolute position `pos`, if still held. */
  at(pos: number): T | undefined {
    const offset = pos - this.headPos;
    if (offset < 0 || offset >= this.count) return undefined;
    return this.items[(this.start + offset) & (this.items.length - 1)];
  }

  replace(pos: number, item: T): void {
    const offset = pos - this.headPos;
    if (offset < 0 || offset >= this.count) throw new RangeError(`position ${pos} not held`);
    this.items[(this.start + offset) & (this.items.length - 1)] = item;
  }

  /** Absolute position the next push will take. */
  get tail(): number {
    return this.headPos + this.count;
  }

  clear(): void {
    while (this.count > 0) this.shift();
    if (this.items.length > 16) {
      this.items = new Array<T | undefined>(16);
      this.start = 0;
    }
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.start + i) & (this.items.length - 1)];
    this.items = next;
    this.start = 0;
  }
}
