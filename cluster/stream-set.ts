/**
 * A set of canonical identifiers with an order-independent digest kept up to date on every
 * change. Exporter and importer compare digests on each lease renewal: a mismatch (a lost
 * request, an exporter that forgot us) makes the importer send its full set again.
 */
export class StreamSet {
  private readonly members = new Set<string>();
  private sum = 0;

  get size(): number {
    return this.members.size;
  }

  get digest(): number {
    return this.sum >>> 0;
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  add(id: string): boolean {
    if (this.members.has(id)) return false;
    this.members.add(id);
    this.sum ^= hash(id);
    return true;
  }

  delete(id: string): boolean {
    if (!this.members.delete(id)) return false;
    this.sum ^= hash(id);
    return true;
  }

  values(): IterableIterator<string> {
    return this.members.values();
  }

  toArray(): string[] {
    return [...this.members];
  }
}

export function digestOf(ids: Iterable<string>): number {
  let sum = 0;
  for (const id of ids) sum ^= hash(id);
  return sum >>> 0;
}

/** 32-bit FNV-1a over UTF-16 code units: cheap, and stable on every node. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
