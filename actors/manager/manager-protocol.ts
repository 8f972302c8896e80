import type { JsonValue, Payload } from '../../common/json';
import type { AttachOptions, Client, CrashTarget, ExplainResult, ServiceStats, SessionOptions } from '../../common/service-types';
import type { Provider, ProviderFactory } from '../../providers/contract';
import type { Worker, WorkerFactory } from '../../workers/contract';
import type { Reply } from '../nact';

/** Every message the manager actor handles: the service API, then events from its children. */
export type ManagerMsg =
  | { readonly type: 'add-provider'; readonly name: string; readonly source: Provider | ProviderFactory; readonly reply: Reply<void> }
  | { readonly type: 'remove-provider'; readonly name: string; readonly reply: Reply<void> }
  | { readonly type: 'add-worker'; readonly name: string; readonly source: Worker | WorkerFactory; readonly reply: Reply<void> }
  | { readonly type: 'remove-worker'; readonly name: string; readonly reply: Reply<void> }
  | { readonly type: 'new-session'; readonly options: SessionOptions; readonly reply: Reply<string> }
  | { readonly type: 'attach'; readonly sessionId: string; readonly options: AttachOptions; readonly reply: Reply<Client> }
  | { readonly type: 'detach'; readonly sessionId: string; readonly reply: Reply<void> }
  | { readonly type: 'configure'; readonly sessionId: string; readonly patterns: readonly string[]; readonly last: boolean; readonly reply: Reply<string[]> }
  | { readonly type: 'close-session'; readonly sessionId: string; readonly reply: Reply<void> }
  | { readonly type: 'publish'; readonly sessionId: string; readonly attachment: number; readonly id: string; readonly payload: Payload; readonly reply: Reply<void> }
  | { readonly type: 'request'; readonly sessionId: string; readonly attachment: number; readonly id: string; readonly body: JsonValue; readonly reply: Reply<JsonValue> }
  | { readonly type: 'explain'; readonly pattern: string; readonly reply: Reply<ExplainResult> }
  | { readonly type: 'stats'; readonly reply: Reply<ServiceStats> }
  | { readonly type: 'crash'; readonly target: CrashTarget; readonly reply: Reply<void> }
  | { readonly type: 'stop'; readonly reply: Reply<void> }
  | { readonly type: 'provider-crashed'; readonly name: string; readonly incarnation: number; readonly error: Error }
  | { readonly type: 'provider-restart-due'; readonly name: string; readonly incarnation: number }
  | { readonly type: 'provider-event'; readonly name: string; readonly incarnation: number; readonly event: ProviderEvent }
  | { readonly type: 'router-crashed'; readonly incarnation: number; readonly error: Error }
  | { readonly type: 'session-crashed'; readonly sessionId: string; readonly incarnation: number; readonly error: Error }
  | { readonly type: 'session-idle'; readonly sessionId: string; readonly timer: number }
  | { readonly type: 'slow-client'; readonly sessionId: string; readonly attachment: number }
  /** Time to let idle published ids go. */
  | { readonly type: 'published-sweep' };

export type ProviderEvent =
  | { readonly kind: 'stream-down'; readonly id: string; readonly reason: string }
  | { readonly kind: 'stream-up'; readonly id: string }
  | { readonly kind: 'provider-down'; readonly reason: string }
  | { readonly kind: 'provider-up' };
