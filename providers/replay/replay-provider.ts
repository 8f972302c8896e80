import type { Provider, ProviderContext, StreamFailure, SubscribeResult } from '../contract';
import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import { loadRecording, type LoadedRecording } from './load';

export interface ReplayOptions {
  /** The NDJSON recording (see recording.ts for the line format). */
  file: string;
  /** `recorded`: keep the gaps between the lines' `ts` (÷ speed); `fast`: as fast as the loop allows. Default `recorded`. */
  pace?: 'recorded' | 'fast';
  /** Playback speed factor for `recorded` pace (default 1; 2 = twice as fast). */
  speed?: number;
  /** Start again from the first line after the last (default false). */
  loop?: boolean;
  /** Most lines handled per timer turn before yielding to the event loop (default 1000). */
  chunkSize?: number;
  /** Bad lines logged one by one before the rest are only counted (default 20). */
  maxBadLineLogs?: number;
}

export interface ReplayStats {
  readonly file: string;
  /** Non-blank lines in the file, good and bad. */
  readonly lines: number;
  readonly records: number;
  readonly badLines: number;
  readonly streams: number;
  readonly subscribed: number;
  /** Messages emitted to the host. */
  readonly emitted: number;
  /** Index of the next line to play. */
  readonly cursor: number;
  readonly loops: number;
  readonly finished: boolean;
}

const EMPTY: LoadedRecording = { records: [], ids: new Map(), lines: 0, badLines: 0 };

/**
 * Plays an NDJSON recording back under this provider's own name: every recorded id has its
 * namespace replaced by the provider's (so a `synthetic` recording replays as `replay::…`).
 *
 * Playback starts with the first subscription and pauses while nothing is subscribed (so a
 * recording is not played to nobody); lines of unsubscribed streams are skipped, never queued.
 * Order is file order. Recorded pace measures each line's gap from the point playback (re)started.
 * Without `loop`, playback ends after the last line (logged; `stats().finished`) and later
 * subscriptions get no messages until the provider restarts.
 */
export class ReplayProvider implements Provider {
  private readonly pace: 'recorded' | 'fast';
  private readonly speed: number;
  private readonly loop: boolean;
  private readonly chunkSize: number;
  private readonly maxBadLineLogs: number;
  private ctx: ProviderContext | undefined;
  private loaded: LoadedRecording = EMPTY;
  private readonly subscribed = new Set<string>();
  private cursor = 0;
  private emitted = 0;
  private loops = 0;
  private finished = false;
  /** Wall (clock) time and recorded ts that line up; recorded pace measures from them. */
  private anchorWall = 0;
  private anchorTs = 0;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly options: ReplayOptions) {
    if (typeof options.file !== 'string' || options.file === '') throw new Error('replay: option "file" must be a path');
    this.pace = options.pace ?? 'recorded';
    if (this.pace !== 'recorded' && this.pace !== 'fast') throw new Error('replay: option "pace" must be "recorded" or "fast"');
    this.speed = options.speed ?? 1;
    if (!(Number.isFinite(this.speed) && this.speed > 0)) throw new Error('replay: option "speed" must be a positive number');
    this.loop = options.loop ?? false;
    this.chunkSize = options.chunkSize ?? 1000;
    if (!(Number.isInteger(this.chunkSize) && this.chunkSize >= 1)) throw new Error('replay: option "chunkSize" must be a positive integer');
    this.maxBadLineLogs = options.maxBadLineLogs ?? 20;
  }

  /** Reads the whole file; rejects (leaving nothing behind) when it cannot be opened or read. */
  async start(ctx: ProviderContext): Promise<void> {
    if (this.ctx) return;
    const loaded = await loadRecording(this.options.file, ctx.name, ctx.logger, this.maxBadLineLogs);
    this.ctx = ctx;
    this.loaded = loaded;
    ctx.logger.info('recording loaded', {
      file: this.options.file,
      records: loaded.records.length,
      streams: loaded.ids.size,
      badLines: loaded.badLines,
      pace: this.pace,
    });
  }

  stop(): void {
    this.pause();
    this.ctx = undefined;
    this.loaded = EMPTY;
    this.subscribed.clear();
    this.cursor = this.emitted = this.loops = 0;
    this.finished = false;
  }

  validate(id: Identifier): string | undefined {
    if (this.ctx && id.namespace !== this.ctx.name) return `namespace "${id.namespace}" is not "${this.ctx.name}"`;
    if (!this.loaded.ids.has(id.canonical)) return `not in recording "${this.options.file}"`;
    return undefined;
  }

  /** The recording's streams that the pattern matches, in order of first appearance. */
  expand(pattern: Pattern): readonly Identifier[] {
    const out: Identifier[] = [];
    for (const id of this.loaded.ids.values()) if (pattern.matches(id)) out.push(id);
    return out;
  }

  subscribe(ids: readonly Identifier[]): SubscribeResult {
    if (!this.ctx) throw new Error('replay: provider is not started');
    const failed: StreamFailure[] = [];
    for (const id of ids) {
      const reason = this.validate(id);
      if (reason !== undefined) failed.push({ id, reason });
      else this.subscribed.add(id.canonical);
    }
    this.resume();
    return failed.length > 0 ? { failed } : {};
  }

  unsubscribe(ids: readonly Identifier[]): void {
    for (const id of ids) this.subscribed.delete(id.canonical);
    if (this.subscribed.size === 0) this.pause();
  }

  stats(): ReplayStats {
    return {
      file: this.options.file,
      lines: this.loaded.lines,
      records: this.loaded.records.length,
      badLines: this.loaded.badLines,
      streams: this.loaded.ids.size,
      subscribed: this.subscribed.size,
      emitted: this.emitted,
      cursor: this.cursor,
      loops: this.loops,
      finished: this.finished,
    };
  }

  /** Bad lines skipped when the file was read. */
  get badLines(): number {
    return this.loaded.badLines;
  }

  private pause(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** (Re)starts playback from the cursor if anything is subscribed and it is not already running. */
  private resume(): void {
    if (this.cancelTimer || !this.ctx || this.finished || this.subscribed.size === 0) return;
    if (this.loaded.records.length === 0) return;
    this.anchor();
    this.schedule();
  }

  private anchor(): void {
    this.anchorWall = this.ctx!.clock.now();
    this.anchorTs = this.loaded.records[this.cursor].ts;
  }

  private dueAt(index: number): number {
    return this.anchorWall + (this.loaded.records[index].ts - this.anchorTs) / this.speed;
  }

  private schedule(): void {
    const ctx = this.ctx!;
    const delay = this.pace === 'fast' ? 0 : Math.max(0, this.dueAt(this.cursor) - ctx.clock.now());
    this.cancelTimer = ctx.setTimeout(() => this.play(), delay);
  }

  /** Plays what is due (at most one chunk), then schedules the next turn. */
  private play(): void {
    this.cancelTimer = undefined;
    const ctx = this.ctx;
    if (!ctx) return;
    const { records } = this.loaded;
    const now = ctx.clock.now();
    const recorded = this.pace === 'recorded';
    for (let budget = this.chunkSize; budget > 0 && this.cursor < records.length; budget--) {
      if (recorded && this.dueAt(this.cursor) > now) break;
      const record = records[this.cursor++];
      if (this.subscribed.has(record.id.canonical)) {
        this.emitted++;
        ctx.emit(record.id, record.payload, record.eventTs);
      }
    }
    if (this.cursor >= records.length) {
      if (!this.loop) {
        this.finished = true;
        ctx.logger.info('recording played to the end', { file: this.options.file, emitted: this.emitted });
        return;
      }
      this.cursor = 0;
      this.loops++;
      this.anchor();
    }
    this.schedule();
  }
}
