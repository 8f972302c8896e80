import type { MessageEnvelope } from '../common/envelope';
import { batchOf, encodeMessage } from './encode';

/**
 * The bytes of a run of messages (one `msg` frame, or a `batch`), shared by every socket that
 * sends the same run. The router hands one envelope array to every session that wants all of it,
 * so sockets usually send identical runs: the first one builds the frame, the others find it by
 * comparing references (cheap next to encoding again). Frames are kept under the run's first
 * envelope, weakly: they go when that envelope does, so nothing outlives the messages.
 */
const RUNS_PER_FIRST = 4;

interface Entry {
  readonly items: readonly MessageEnvelope[];
  readonly frame: Buffer | undefined;
}

const byFirst = new WeakMap<MessageEnvelope, Entry[]>();

function sameRun(a: readonly MessageEnvelope[], b: readonly MessageEnvelope[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The frame for `run` (not empty), or undefined when none of its messages could be encoded.
 * `onEncodeError` hears of each message that cannot be encoded (skipped), once per run built.
 */
export function frameOf(run: readonly MessageEnvelope[], onEncodeError?: (error: unknown, msg: MessageEnvelope) => void): Buffer | undefined {
  let entries = byFirst.get(run[0]);
  if (entries === undefined) byFirst.set(run[0], (entries = []));
  for (const entry of entries) if (sameRun(entry.items, run)) return entry.frame;
  const frame = build(run, onEncodeError);
  if (entries.length === RUNS_PER_FIRST) entries.shift();
  entries.push({ items: run, frame });
  return frame;
}

function build(run: readonly MessageEnvelope[], onEncodeError?: (error: unknown, msg: MessageEnvelope) => void): Buffer | undefined {
  const texts: string[] = [];
  for (const msg of run) {
    // Called from a microtask: a throw would be an uncaught exception, so skip and report.
    try {
      texts.push(encodeMessage(msg));
    } catch (error) {
      onEncodeError?.(error, msg);
    }
  }
  if (texts.length === 0) return undefined;
  return Buffer.from(texts.length === 1 ? texts[0] : batchOf(texts), 'utf8');
}
