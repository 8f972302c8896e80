import type { ProviderFactory, SubscribeResult } from '../providers/contract';
import { parseIdentifier, type Identifier } from '../router/identifier';
import { ProviderScript, ScriptedProvider, type ScriptedMethod } from '../testkit/scripted-provider';
import { POISON, SCRIPT_CATALOGUE } from './patterns';

/**
 * One scripted incarnation that also keeps its own live set. The testkit's `script.subscribed`
 * is shared by all incarnations, so a crashed incarnation whose stalled subscribe completes
 * late writes into the new one's view; the soak compares against this set instead.
 */
class SoakScriptedProvider extends ScriptedProvider {
  readonly live = new Set<string>();

  override subscribe(ids: readonly Identifier[]): SubscribeResult | Promise<SubscribeResult> {
    const result = super.subscribe(ids);
    const apply = (r: SubscribeResult): SubscribeResult => {
      const refused = new Set((r.failed ?? []).map((f) => f.id.canonical));
      for (const id of ids) if (!refused.has(id.canonical)) this.live.add(id.canonical);
      return r;
    };
    return result instanceof Promise ? result.then(apply) : apply(result);
  }

  override unsubscribe(ids: readonly Identifier[]): Promise<void> | void {
    const result = super.unsubscribe(ids);
    const apply = (): void => ids.forEach((id) => this.live.delete(id.canonical));
    return result instanceof Promise ? result.then(apply) : apply();
  }

  override stop(): Promise<void> | void {
    this.live.clear();
    return super.stop();
  }
}

/**
 * The misbehaving provider of the soak: the testkit's ProviderScript, plus a calm mode in which
 * faults still queued are swallowed (so the final checks run against a provider that behaves)
 * and a record of every stall so none is left hanging.
 */
export class SoakScript extends ProviderScript {
  calm = false;
  private readonly stalls = new Set<() => void>();
  readonly soakFactory: ProviderFactory = () => {
    const provider = new SoakScriptedProvider(this, this.instances.length + 1);
    this.instances.push(provider);
    return provider;
  };

  constructor() {
    super();
    this.catalogue = SCRIPT_CATALOGUE.map((text) => parseIdentifier(text));
    this.refuse(POISON, 'poison stream: always refused');
  }

  /** Streams the newest incarnation is serving. */
  get live(): ReadonlySet<string> {
    const current = this.current;
    return current instanceof SoakScriptedProvider ? current.live : new Set();
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

  /** One message on every stream the newest incarnation serves; false if it is not running. */
  emitLive(n: number): boolean {
    const ctx = this.current?.context;
    if (ctx === undefined) return false;
    for (const id of this.live) ctx.emit(id, { n, src: 'script' });
    return true;
  }
}
