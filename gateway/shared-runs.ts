import type { MessageEnvelope } from '../common/envelope';
import { batchOf, encodeMessage } from './encode';

/**
 * The bytes of a run of messages (one `msg` frame, or a `batch`), shared by every socket that
 * sends the same run. The router hands one envelope array to every session that wants all of it,
 * so sockets flushed in the same turn usually send identical runs: the first one builds the
 * frame, the others find it here by comparing references (cheap next to encoding again).
 * A few recent runs are kept; an entry holds its envelopes only until it is pushed out.
 */
const RECENT = 8;

interface Entry {
  items: readonly MessageEnvelope[];
  frame: Buffer | undefined;
}

const recent: Entry[] = [];
let next = 0;

function sameRun(a: readonly MessageEnvelope[], b: readonly MessageEnvelope[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The frame for `run`, or undefined when none of its messages could be encoded. `onEncodeError`
 * hears of each message that cannot be encoded (skipped), once per run built.
 */
export function frameOf(run: readonly MessageEnvelope[], onEncodeError?: (error: unknown, msg: MessageEnvelope) => void): Buffer | undefined {
  for (const entry of recent) if (sameRun(entry.items, run)) return entry.frame;
  const frame = build(run, onEncodeError);
  const entry = { items: run, frame };
  if (recent.length < RECENT) recent.push(entry);
  else {
    recent[next] = entry;
    next = (next + 1) % RECENT;
  }
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
