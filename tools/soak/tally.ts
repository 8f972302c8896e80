/** Counters of one soak run: operations by kind and outcome, faults injected by kind. */
export class Tally {
  readonly ops = new Map<string, { ok: number; failed: Map<string, number> }>();
  readonly faults = new Map<string, number>();
  /** Error frames that answered nothing asked (a fire-and-forget publish that failed). */
  readonly strays = new Map<string, number>();
  /** Failures that are not a documented error code (a bug, or the soak's own guard tripping). */
  readonly unexpected: string[] = [];
  total = 0;

  /** One message per (operation, code), to see what a failure was about. */
  readonly samples = new Map<string, string>();

  op(kind: string, code: string | undefined, message?: string): void {
    if (code !== undefined && message !== undefined && !this.samples.has(`${kind} ${code}`)) this.samples.set(`${kind} ${code}`, message.slice(0, 200));
    this.total++;
    let entry = this.ops.get(kind);
    if (entry === undefined) this.ops.set(kind, (entry = { ok: 0, failed: new Map() }));
    if (code === undefined) entry.ok++;
    else entry.failed.set(code, (entry.failed.get(code) ?? 0) + 1);
  }

  /** Recent faults with their time, to line up with a lineage's trail. */
  readonly timeline: string[] = [];

  fault(kind: string): void {
    if (this.timeline.length >= 2_000) this.timeline.shift();
    this.timeline.push(`${Date.now() % 100_000} ${kind}`);
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  stray(code: string): void {
    this.strays.set(code, (this.strays.get(code) ?? 0) + 1);
  }

  noteUnexpected(what: string): void {
    if (this.unexpected.length < 50) this.unexpected.push(what);
  }
}
