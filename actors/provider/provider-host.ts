import { assertNever } from '../../common/assert-never';
import { systemClock } from '../../common/clock';
import { TesseraError, toError } from '../../common/errors';
import type { JsonValue } from '../../common/json';
import type { Provider, StreamFailure } from '../../providers/contract';
import type { Identifier } from '../../router/identifier';
import type { Pattern } from '../../router/pattern';
import type { ActorHandle, ActorParent, Reply } from '../nact';
import { spawnActor } from '../nact';
import type { IncarnationContext } from './provider-context';

/** What a pattern needs from its provider: the streams to start, or why it is invalid. */
export type PlanOutcome = { readonly ok: true; readonly streams: readonly Identifier[] } | { readonly ok: false; readonly reason: string };

export type HostMsg =
  | { readonly type: 'start'; readonly reply: Reply<void> }
  | { readonly type: 'plan'; readonly patterns: readonly Pattern[]; readonly reply: Reply<PlanOutcome[]> }
  | { readonly type: 'subscribe'; readonly ids: readonly Identifier[]; readonly reply: Reply<StreamFailure[]> }
  | { readonly type: 'unsubscribe'; readonly ids: readonly Identifier[]; readonly reply: Reply<void> }
  | { readonly type: 'request'; readonly id: Identifier; readonly body: JsonValue; readonly reply: Reply<JsonValue> }
  | { readonly type: 'stop'; readonly reply: Reply<void> }
  /**
   * Work run in the provider's own turn (a worker's input batch, its `inputs`). With a reply it
   * is a guarded call like the others; without one it is synchronous work whose throw is a crash.
   */
  | { readonly type: 'run'; readonly what: string; readonly task: (provider: Provider) => unknown; readonly reply?: Reply<unknown> }
  /** The provider failed outside a call (a timer, a socket callback, a fault injection). */
  | { readonly type: 'fail'; readonly error: Error };

interface HostState {
  readonly provider: Provider;
  readonly ctx: IncarnationContext;
  /** Fails the call in progress; set only while one runs. */
  abort?: (error: Error) => void;
  failedWith?: Error;
}

/**
 * Runs a provider call, failing it when the provider calls `fail` meanwhile or it takes longer
 * than `timeoutMs` (a provider stuck in start/subscribe is restarted rather than waited on).
 * No long-lived promise is raced against: that would collect one reaction per call forever.
 */
function guarded<T>(state: HostState, timeoutMs: number, what: string, call: () => T | Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (state.failedWith !== undefined) return reject(state.failedWith);
    // Call deadlines run on real time: they guard against a hung provider, which a test's manual
    // clock must not suspend.
    const cancel = systemClock.setTimeout(() => reject(new TesseraError('TIMEOUT', `provider ${state.ctx.name}: ${what} took longer than ${timeoutMs} ms`)), timeoutMs);
    state.abort = reject;
    const done = (): void => {
      cancel();
      state.abort = undefined;
    };
    Promise.resolve()
      .then(call)
      .then(
        (value) => {
          done();
          resolve(value);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
  });
}

function planOne(provider: Provider, pattern: Pattern): PlanOutcome | Promise<PlanOutcome> {
  if (pattern.exact) {
    const id = pattern.toIdentifier();
    const reason = provider.validate?.(id);
    return reason === undefined ? { ok: true, streams: [id] } : { ok: false, reason };
  }
  if (provider.expand === undefined) return { ok: true, streams: [] };
  return Promise.resolve(provider.expand(pattern)).then((ids) => ({
    ok: true,
    streams: ids.filter((id) => pattern.matches(id) && provider.validate?.(id) === undefined),
  }));
}

async function handle(state: HostState, msg: HostMsg, timeoutMs: number): Promise<HostState> {
  const { provider, ctx } = state;
  switch (msg.type) {
    case 'start':
      await guarded(state, timeoutMs, 'start', () => provider.start(ctx));
      msg.reply.resolve();
      break;
    case 'plan': {
      const outcomes: PlanOutcome[] = [];
      for (const pattern of msg.patterns) outcomes.push(await guarded(state, timeoutMs, 'expand', () => planOne(provider, pattern)));
      msg.reply.resolve(outcomes);
      break;
    }
    case 'subscribe': {
      const result = await guarded(state, timeoutMs, 'subscribe', () => provider.subscribe(msg.ids));
      msg.reply.resolve([...(result?.failed ?? [])]);
      break;
    }
    case 'unsubscribe':
      await guarded(state, timeoutMs, 'unsubscribe', () => provider.unsubscribe(msg.ids));
      ctx.released(msg.ids);
      msg.reply.resolve();
      break;
    case 'request': {
      const request = provider.request;
      if (request === undefined) {
        msg.reply.reject(new TesseraError('NOT_SUPPORTED', `provider "${ctx.name}" does not answer requests`));
        break;
      }
      // A request that fails is the requester's problem, not a crash of the provider.
      try {
        msg.reply.resolve(await guarded(state, timeoutMs, 'request', () => request.call(provider, msg.id, msg.body)));
      } catch (error) {
        if (error instanceof TesseraError && error.code === 'TIMEOUT') msg.reply.reject(error);
        else if (error === state.failedWith) throw error;
        else msg.reply.reject(new TesseraError('BAD_REQUEST', toError(error).message, { cause: error }));
      }
      break;
    }
    case 'stop':
      ctx.close();
      try {
        await guarded(state, timeoutMs, 'stop', () => provider.stop());
      } finally {
        msg.reply.resolve();
      }
      break;
    case 'run':
      if (msg.reply === undefined) {
        if (state.failedWith === undefined) msg.task(provider);
      } else msg.reply.resolve(await guarded(state, timeoutMs, msg.what, () => msg.task(provider)));
      break;
    case 'fail':
      throw msg.error;
    default:
      return assertNever(msg);
  }
  return state;
}

function replyOf(msg: HostMsg): Reply<never> | undefined {
  return msg.type === 'fail' ? undefined : (msg.reply as Reply<never> | undefined);
}

/**
 * A crashed provider is stopped (contract: "the provider is stopped and restarted"), or the
 * sockets and timers of its own that it holds outlive it, one set per restart. Best effort: the
 * actor is gone, so this runs outside it and a failure is only logged.
 */
function retire(provider: Provider, ctx: IncarnationContext): void {
  Promise.resolve()
    .then(() => provider.stop())
    .catch((error: unknown) => ctx.logger.warn('stopping a crashed provider failed', { error: toError(error).message }));
}

/**
 * Spawns the actor that hosts one provider incarnation and serialises every call to it. A throw,
 * a rejection, a `fail` or a timed-out call crashes it: the pending callers get the error, the
 * context is closed (timers cancelled, emits ignored), the provider is stopped and `onCrash`
 * tells the manager.
 */
export function spawnProviderHost(
  parent: ActorParent,
  name: string,
  provider: Provider,
  ctx: IncarnationContext,
  timeoutMs: number,
  onCrash: (error: Error) => void,
): ActorHandle<HostMsg> & { fail(error: Error): void } {
  const state: HostState = { provider, ctx };
  const host = spawnActor<HostState, HostMsg>(parent, name, (s, msg) => handle(s, msg, timeoutMs), {
    initialState: state,
    onCrash: (error, msg, queued) => {
      ctx.close();
      const crashed = new Error(`provider "${ctx.name}" crashed: ${error.message}`, { cause: error });
      if (msg) replyOf(msg)?.reject(error);
      for (const waiting of queued) replyOf(waiting)?.reject(crashed);
      if (msg?.type !== 'stop') retire(provider, ctx);
      onCrash(error);
      return 'stop';
    },
  });
  return Object.assign(host, {
    fail(error: Error): void {
      if (state.failedWith !== undefined) return;
      state.failedWith = error;
      state.abort?.(error);
      host.send({ type: 'fail', error });
    },
  });
}
