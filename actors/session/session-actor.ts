import { assertNever } from '../../common/assert-never';
import type { ActorHandle, ActorParent } from '../nact';
import { spawnActor } from '../nact';
import type { Outbox } from './outbox';

export type SessionMsg = { readonly type: 'flush' } | { readonly type: 'crash'; readonly error: Error };

const FLUSH: SessionMsg = { type: 'flush' };

/**
 * One session incarnation: it drains the session's out-buffer to the client in its own turn, so
 * a slow client costs its own session time, never the router's. The buffer itself belongs to
 * the session record and survives restarts; each incarnation has its own actor name, so a
 * flush meant for an old one can never reach a new one.
 */
export function spawnSessionActor(
  parent: ActorParent,
  name: string,
  outbox: Outbox,
  onCrash: (error: Error) => void,
): ActorHandle<SessionMsg> {
  const actor = spawnActor<Outbox, SessionMsg>(
    parent,
    name,
    (box, msg) => {
      switch (msg.type) {
        case 'flush':
          box.flush();
          return box;
        case 'crash':
          throw msg.error;
        default:
          return assertNever(msg);
      }
    },
    {
      initialState: outbox,
      onCrash: (error) => {
        onCrash(error);
        return 'stop';
      },
    },
  );
  outbox.wake = () => actor.send(FLUSH);
  outbox.resetWake();
  return actor;
}
