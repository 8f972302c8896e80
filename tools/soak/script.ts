import { parseIdentifier, type Identifier } from '../../router/identifier';
import { ProviderScript, type ScriptedMethod } from '../../testkit/scripted-provider';
import { POISON, SCRIPT_CATALOGUE } from './patterns';

/**
 * The misbehaving provider of the soak: the testkit's ProviderScript, plus a calm mode in which
 * faults still queued are swallowed (so the final checks run against a provider that behaves)
 * and a record of every stall so none is left hanging.
 */
export class SoakScript extends ProviderScript {
  calm = false;
  private readonly stalls = new Set<() => void>();

  constructor() {
    super();
    this.catalogue = SCRIPT_CATALOGUE.map((text) => parseIdentifier(text));
    this.refuse(POISON, 'poison stream: always refused');
  }

  override enter(incarnation: number, method: ScriptedMethod, ids: readonly Identifier[]): Promise<void> | undefined {
    if (!this.calm) return super.enter(incarnation, method, ids);
    try {
      return super.enter(incarnation, method, ids)?.catch(() => undefined);
    } catch {
      return undefined;
    }
  }

  /** Stalls the next call of `method`; the returned release is also run by `releaseStalls`. */
  stall(method: ScriptedMethod): () => void {
    const release = this.stallNext(method);
    const once = (): void => {
      this.stalls.delete(once);
      release();
    };
    this.stalls.add(once);
    return once;
  }

  releaseStalls(): void {
    for (const release of [...this.stalls]) release();
  }

  /** Whether an incarnation is running now (one with a context to act on). */
  get running(): boolean {
    return this.current?.context !== undefined;
  }

  /** One message on every stream the newest incarnation serves; false if it is not running. */
  emitLive(n: number): boolean {
    const ctx = this.current?.context;
    if (ctx === undefined) return false;
    for (const id of this.subscribed) ctx.emit(id, { n, src: 'script' });
    return true;
  }
}
