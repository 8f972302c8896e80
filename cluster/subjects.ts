/**
 * NATS subjects of one exporting node. Everything under `tessera.<node>.` belongs to it:
 *
 * - `ctl`       control requests (interest leases, expand, request), request-reply
 * - `hb`        heartbeats, so importers notice a dead or restarted exporter
 * - `ev`        provider and stream notices of the exported providers
 * - `s.<token>` one subject per stream; NATS fans each message out to every importing node
 */
export const SUBJECT_ROOT = 'tessera';

/** Node names become one subject token, so they are held to the namespace alphabet. */
export const NODE_NAME = /^[a-z0-9_-]{1,64}$/;

export interface Subjects {
  readonly control: string;
  readonly heartbeat: string;
  readonly events: string;
  /** Every stream subject of the node (for monitoring). */
  readonly allStreams: string;
  stream(canonical: string): string;
}

export function subjectsOf(node: string): Subjects {
  if (!NODE_NAME.test(node)) throw new Error(`node name must be 1-64 chars of a-z 0-9 _ -, got ${JSON.stringify(node)}`);
  const base = `${SUBJECT_ROOT}.${node}`;
  return {
    control: `${base}.ctl`,
    heartbeat: `${base}.hb`,
    events: `${base}.ev`,
    allStreams: `${base}.s.>`,
    stream: (canonical) => `${base}.s.${streamToken(canonical)}`,
  };
}

/**
 * A canonical identifier as one subject token. Identifiers may hold `.`, `*`, `>` and spaces,
 * all of which mean something to NATS; base64url has none of them and needs no lookup table,
 * so any node can work out a stream's subject on its own.
 */
export function streamToken(canonical: string): string {
  return Buffer.from(canonical, 'utf8').toString('base64url');
}

export function streamOfToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}
