import type { CrashWindow } from '../../common/backoff';
import type { Cancel } from '../../common/clock';
import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import type { ActorHandle } from '../nact';
import type { Outbox } from './outbox';
import { SerialQueue } from '../../common/serial-queue';
import type { SessionMsg } from './session-actor';

/** A bound pattern and the streams it made the session want. */
export interface Binding {
  readonly pattern: Pattern;
  /** Provider namespace, or null for a publish namespace. */
  readonly provider: string | null;
  readonly streams: readonly Identifier[];
}

/** The manager's record of one session: desired state plus its live parts. */
export class SessionRecord {
  /** Canonical pattern → binding. */
  bindings = new Map<string, Binding>();
  actor: ActorHandle<SessionMsg> | null = null;
  incarnation = 0;
  /** Bumped on every attach; 0 while detached. A client handle acts only while it is current. */
  attachment = 0;
  /** The out-buffer's drop total when the last client detached: an attach reports what came after. */
  droppedAtDetach = 0;
  idleTimer: Cancel | null = null;
  /** Identifies the armed idle timer, so a late firing of a cancelled one is ignored. */
  idleToken = 0;
  closed = false;
  restarts = 0;
  readonly queue = new SerialQueue();

  constructor(
    readonly id: string,
    readonly idleAfterMs: number,
    readonly outbox: Outbox,
    readonly crashes: CrashWindow,
  ) {}

  /** Every stream the session wants, per provider, counted once each. */
  wanted(): Map<string, Map<string, Identifier>> {
    return wantedOf(this.bindings.values());
  }

  namespaces(): Set<string> {
    return new Set([...this.bindings.values()].map((b) => b.pattern.namespace));
  }
}

export function wantedOf(bindings: Iterable<Binding>): Map<string, Map<string, Identifier>> {
  const wanted = new Map<string, Map<string, Identifier>>();
  for (const binding of bindings) {
    if (binding.provider === null) continue;
    let streams = wanted.get(binding.provider);
    if (streams === undefined) wanted.set(binding.provider, (streams = new Map()));
    for (const id of binding.streams) streams.set(id.canonical, id);
  }
  return wanted;
}
