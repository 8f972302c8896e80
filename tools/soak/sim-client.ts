import type { Pattern } from '../../router/pattern';
import type { OverflowPolicy } from '../../common/service-types';
import { canonicalAll, matchesAny } from './patterns';
import { Prng } from './prng';
import { BindingLog } from './binding-log';
import { SeqAudit } from './seq-audit';
import type { ObservedMessage } from '../../testkit/continuity';

export type ClientState = 'idle' | 'attached' | 'detached';

/** Codes after which nobody knows whether a configure took effect. */
const UNSURE = new Set(['TIMEOUT', 'SOCKET_CLOSED', 'HUNG']);

export const POLICIES: readonly OverflowPolicy[] = ['drop-newest', 'drop-oldest', 'conflate', 'disconnect'];

/** The error code of anything an operation threw (`ERROR` when it has none). */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}

/** Random attach options: small buffers so slow clients overflow, every overflow policy. */
export function attachOptions(prng: Prng): { outBuffer: number; overflow: OverflowPolicy } {
  return { outBuffer: prng.pick([16, 64, 256, 1024]), overflow: prng.pick(POLICIES) };
}

/**
 * What both kinds of simulated client share: the session they drive, the patterns it has as far
 * as the client can know, and the seq audit of the current lineage.
 */
export abstract class SimClient {
  abstract readonly kind: 'lib' | 'ws';
  state: ClientState = 'idle';
  sessionId: string | undefined;
  /** An operation is running on this client (or it is stalled); the driver leaves it alone. */
  busy = false;
  /** Messages outside every pattern the session was ever asked for: misrouted. */
  foreign = 0;
  audit: SeqAudit;
  /** The confirmed pattern set. */
  protected patterns: Pattern[] = [];
  /** The last configure's outcome is unknown, so no stream counts as continuously bound. */
  private uncertain = false;
  private ever = new Map<string, Pattern>();
  /** Its own generator, so asking for last values leaves the soak's sequence of choices as it was. */
  private readonly lastPrng: Prng;
  private bindings = new BindingLog();
  private lineages = 0;

  constructor(
    readonly name: string,
    private readonly registry: SeqAudit[],
    /** Configured once per session with the steady set, never reconfigured. */
    readonly steady: boolean,
  ) {
    this.audit = this.freshAudit();
    this.lastPrng = new Prng(`${name}/last`);
  }

  /** A quarter of configures ask for the last value of what they add (`cached` messages). */
  protected wantsLast(): boolean {
    return this.lastPrng.chance(0.25);
  }

  /** A steady client configures only until its set is in place. */
  get mayConfigure(): boolean {
    return this.state !== 'idle' && (!this.steady || this.uncertain || this.patterns.length === 0);
  }

  /** A brand-new session: nothing carries over from the previous one. */
  protected beginSession(sessionId: string): void {
    this.sessionId = sessionId;
    this.patterns = [];
    this.ever.clear();
    this.bindings = new BindingLog();
    this.uncertain = false;
    this.audit = this.freshAudit();
  }

  /** The service promises nothing across this point (a socket that died): start a new lineage. */
  protected newLineage(): void {
    this.audit = this.freshAudit();
  }

  /** The session is gone (closed, idle, restart limit). */
  protected retire(): void {
    this.state = 'idle';
    this.sessionId = undefined;
  }

  protected onMessage(msg: ObservedMessage): void {
    if (!matchesAny(this.ever.values(), msg.id)) this.foreign++;
    this.audit.message(msg);
  }

  protected onDropped(count: number): void {
    this.audit.dropped(count);
  }

  protected onGap(id: string, reason: string): void {
    this.audit.gap(id, reason);
  }

  /**
   * Runs a configure and logs its window: streams matched by a pattern kept from the old set stay
   * bound throughout (configure binds the new patterns before unbinding the old); any other stream may be unbound meanwhile.
   */
  protected async configured(requested: readonly string[], run: () => Promise<readonly string[]>): Promise<void> {
    const parsed = canonicalAll(requested);
    if (parsed !== null) for (const p of parsed) this.ever.set(p.canonical, p);
    const before = this.uncertain ? [] : this.patterns;
    const kept = parsed === null ? before : before.filter((old) => parsed.some((p) => p.canonical === old.canonical));
    const window = this.bindings.open(kept);
    this.audit.note(`configure ${requested.join(' ')} (kept ${kept.map((p) => p.canonical).join(' ')})`);
    try {
      const result = await run();
      this.patterns = canonicalAll(result) ?? [];
      this.uncertain = false;
      this.bindings.applied(window);
      this.audit.note('configured');
    } catch (error) {
      const code = codeOf(error);
      if (UNSURE.has(code)) this.uncertain = true;
      else this.bindings.refused(window);
      this.audit.note(`configure failed ${code}`);
      throw error;
    }
  }

  private freshAudit(): SeqAudit {
    // Undefined only while the constructor runs.
    (this.audit as SeqAudit | undefined)?.end();
    const audit = new SeqAudit(`${this.name}.${++this.lineages}`, {
      gap: (id, sinceTs) => this.bindings.interrupted(id, sinceTs),
      steady: this.steady,
      via: this.kind,
    });
    this.registry.push(audit);
    return audit;
  }
}
