import { assertNever } from '../../common/assert-never';
import type { Sessions } from '../session/sessions';
import type { ManagerMsg } from './manager-protocol';
import type { ProviderSet } from './provider-set';

/** A running provider's event, as notices to the sessions bound to it; events of an old incarnation are ignored. */
export function announceProviderEvent(providers: ProviderSet, sessions: Sessions, msg: ManagerMsg & { type: 'provider-event' }): void {
  const record = providers.get(msg.name);
  if (record === undefined || record.incarnation !== msg.incarnation || record.state !== 'running') return;
  const event = msg.event;
  switch (event.kind) {
    case 'stream-down':
      return sessions.notifyStream(msg.name, event.id, { type: 'notice', kind: 'stream-down', id: event.id, reason: event.reason });
    case 'stream-up':
      return sessions.notifyStream(msg.name, event.id, { type: 'notice', kind: 'stream-up', id: event.id });
    case 'provider-down':
      return sessions.notifyNamespace(msg.name, { type: 'notice', kind: 'provider-down', provider: msg.name, reason: 'reported', message: event.reason });
    case 'provider-up':
      return sessions.notifyNamespace(msg.name, { type: 'notice', kind: 'provider-up', provider: msg.name });
    default:
      return assertNever(event);
  }
}
