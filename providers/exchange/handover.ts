interface StreamState<T> {
  /** The stream now comes from the new socket only. */
  moved: boolean;
  /** Recent frames delivered from the old socket (text); emptied once the new socket is past them. */
  recent: string[];
  /** Frames from the new socket not delivered yet, oldest first. */
  held: { text: string; value: T }[];
}

/**
 * Joins the frames of a socket being replaced and its replacement so each exchange message is
 * delivered once and in order. For a while both sockets carry the same streams and either may run
 * ahead, so a frame is recognised by its exact text (the exchange sends the same bytes to both).
 *
 * Until the replacement is fully subscribed (`promote`) the old socket delivers everything and the
 * new one's frames are held. Then each stream moves over once the sockets line up on it: when the
 * old socket delivers a frame the new one holds (the new one is ahead: its later frames follow),
 * or the new one delivers a frame the old one already did (it is behind: it takes over, skipping
 * what was delivered). `finish` ends the overlap for streams that never lined up.
 */
export class Handover<T> {
  private readonly streams = new Map<string, StreamState<T>>();
  private oldStreams: ReadonlySet<string> | undefined;
  private heldCount = 0;
  /** Frames both sockets delivered, dropped the second time. */
  duplicates = 0;

  constructor(
    private readonly recentPerStream = 128,
    private readonly maxHeld = 10_000,
  ) {}

  /** A frame from the old socket; returns what to deliver now. */
  fromOld(stream: string, text: string, value: T): T[] {
    const s = this.state(stream);
    if (s.moved) {
      this.duplicates++;
      return [];
    }
    const at = this.oldStreams ? s.held.findIndex((h) => h.text === text) : -1;
    if (at < 0) {
      s.recent.push(text);
      if (s.recent.length > this.recentPerStream) s.recent.shift();
      return [value];
    }
    const out = [value, ...s.held.slice(at + 1).map((h) => h.value)];
    this.duplicates += at + 1;
    this.moveOver(s);
    s.recent = []; // the new socket is ahead: nothing it sends later repeats the old one
    return out;
  }

  /** A frame from the new socket; returns what to deliver now. */
  fromNew(stream: string, text: string, value: T): T[] {
    const s = this.state(stream);
    if (!this.oldStreams) return this.hold(s, text, value);
    if (s.moved) {
      if (s.recent.length === 0) return [value];
      if (s.recent.includes(text)) {
        this.duplicates++;
        return [];
      }
      s.recent = []; // caught up: nothing later can repeat the old socket
      return [value];
    }
    if (s.recent.includes(text)) {
      this.duplicates++;
      this.moveOver(s);
      return [];
    }
    return this.hold(s, text, value);
  }

  /** The new socket carries everything now; `oldStreams` are those the old one carried. */
  promote(oldStreams: ReadonlySet<string>): { stream: string; value: T }[] {
    this.oldStreams = oldStreams;
    const out: { stream: string; value: T }[] = [];
    for (const [stream, s] of this.streams) {
      const held = s.held;
      s.held = [];
      this.heldCount -= held.length;
      if (!oldStreams.has(stream)) s.moved = true;
      for (const h of held) for (const value of this.fromNew(stream, h.text, h.value)) out.push({ stream, value });
    }
    return out;
  }

  /** Whether each of `streams` the old socket carried has moved over and caught up. */
  movedOver(streams: Iterable<string>): boolean {
    for (const stream of streams) {
      const s = this.streams.get(stream);
      if (this.oldStreams?.has(stream) && !(s?.moved && s.recent.length === 0)) return false;
    }
    return true;
  }

  /** Ends the overlap: held frames the old socket never delivered go out. */
  finish(): { stream: string; value: T }[] {
    const out: { stream: string; value: T }[] = [];
    for (const [stream, s] of this.streams) {
      for (const h of s.held) if (!s.recent.includes(h.text)) out.push({ stream, value: h.value });
    }
    this.streams.clear();
    return out;
  }

  private state(stream: string): StreamState<T> {
    let s = this.streams.get(stream);
    if (!s) {
      s = { moved: this.oldStreams !== undefined && !this.oldStreams.has(stream), recent: [], held: [] };
      this.streams.set(stream, s);
    }
    return s;
  }

  private hold(s: StreamState<T>, text: string, value: T): T[] {
    // Bounded: past the cap the oldest held frame goes, the one the old socket most likely delivered.
    if (this.heldCount >= this.maxHeld && s.held.length > 0) s.held.shift();
    else this.heldCount++;
    s.held.push({ text, value });
    return [];
  }

  private moveOver(s: StreamState<T>): void {
    s.moved = true;
    this.heldCount -= s.held.length;
    s.held = [];
  }
}
