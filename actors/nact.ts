import * as nact from 'nact';
import { systemClock } from '../common/clock';
import { toError } from '../common/errors';

/**
 * Small typed wrappers over nact. nact's own typings are loose (`Ref<A>` assigns to `Ref<B>`)
 * and its query only fails after a full timeout when the target dies, so every actor here is
 * reached through an `ActorHandle` that knows whether its actor is alive and fails pending
 * calls the moment it is not.
 */

/** A reference whose message type is part of its type. */
export interface ActorRef<M> {
  readonly __ref: nact.Ref<M>;
}

export type ActorParent = { readonly __parent: nact.Ref<unknown> };

/** How a caller gets an answer: carried inside the message, settled by the actor. */
export interface Reply<R> {
  resolve(value: R): void;
  reject(error: unknown): void;
}

export type CrashDecision = 'stop' | 'resume';

export interface SpawnOptions<S, M> {
  readonly initialState: S;
  /** Decides what happens to a faulted actor; it must not throw (a throw counts as 'stop'). */
  readonly onCrash?: (error: Error, msg: M | undefined, queued: readonly M[]) => CrashDecision;
}

export class ActorSystem {
  private readonly root: nact.Ref<never> = nact.start();
  get parent(): ActorParent {
    return { __parent: this.root as nact.Ref<unknown> };
  }
  stop(): void {
    nact.stop(this.root);
  }
}

type Pending = { reject(error: Error): void };

export class ActorHandle<M> {
  private alive = true;
  private readonly pending = new Set<Pending>();

  constructor(readonly name: string, private readonly ref: nact.Ref<M>) {}

  get isAlive(): boolean {
    return this.alive;
  }

  /** As a parent for children of this actor. */
  get asParent(): ActorParent {
    return { __parent: this.ref as nact.Ref<unknown> };
  }

  /** Fire and forget; a no-op once the actor is gone. */
  send(msg: M): void {
    if (this.alive) nact.dispatch(this.ref, msg);
  }

  /**
   * Request/reply that fails at once if the actor is dead, when it dies (crash or stop) while
   * the call is pending, or after `timeoutMs`.
   */
  ask<R>(build: (reply: Reply<R>) => M, timeoutMs: number, timeoutError: () => Error, deadError: () => Error): Promise<R> {
    if (!this.alive) return Promise.reject(deadError());
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const entry: Pending = {
        reject: (error) => finish(() => reject(error)),
      };
      // Real time, like every call deadline (see common/deadline.ts).
      const cancel = systemClock.setTimeout(() => entry.reject(timeoutError()), timeoutMs);
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        cancel();
        this.pending.delete(entry);
        settle();
      };
      this.pending.add(entry);
      nact.dispatch(this.ref, build({ resolve: (value) => finish(() => resolve(value)), reject: (error) => finish(() => reject(error)) }));
    });
  }

  /** Marks the actor dead and fails every pending call with `error`. */
  markDead(error: Error): void {
    this.alive = false;
    for (const entry of [...this.pending]) entry.reject(error);
  }

  stop(error: Error): void {
    if (!this.alive) return;
    this.markDead(error);
    nact.stop(this.ref);
  }
}

/**
 * Spawns an actor with an explicit name (nact's generated names collide). `handler` runs one
 * message at a time; a throw or rejection is a crash handled by `onCrash` (default: stop).
 */
export function spawnActor<S, M>(
  parent: ActorParent,
  name: string,
  handler: (state: S, msg: M) => S | Promise<S>,
  options: SpawnOptions<S, M>,
): ActorHandle<M> {
  let handle: ActorHandle<M> | undefined;
  const onCrash = (msg: M | undefined, err: unknown, ctx: nact.SupervisionContext<M, nact.Ref<unknown>>): symbol => {
    let decision: CrashDecision = 'stop';
    try {
      const queued = ctx.mailbox.map((item) => (item as unknown as { message: M }).message);
      decision = options.onCrash?.(toError(err), msg, queued) ?? 'stop';
    } catch {
      decision = 'stop';
    }
    if (decision === 'resume') return ctx.resume as symbol;
    handle?.markDead(toError(err));
    return ctx.stop as symbol;
  };
  const ref = nact.spawn(parent.__parent, (state: S, msg: M) => handler(state, msg), name, {
    initialState: options.initialState,
    onCrash: onCrash as unknown as nact.SupervisionActorFunc<M, nact.Ref<unknown>, nact.Ref<unknown>>,
  });
  handle = new ActorHandle<M>(name, ref as nact.Ref<M>);
  return handle;
}

/** A parent that only groups children (nact needs a function for every actor). */
export function spawnGroup(parent: ActorParent, name: string): ActorHandle<never> {
  return spawnActor<null, never>(parent, name, (state) => state, { initialState: null });
}
