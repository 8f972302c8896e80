import type { OverflowPolicy } from '../common/service-types';
import { RecordingWriter } from '../providers/replay/recording';
import { ndjsonLine, prettyLine, RateLine, toEnvelope, type MsgFields } from './output';
import { Remote, type Frame } from './remote';

export interface SubscribeOptions {
  readonly url: string;
  readonly token?: string;
  /** Exit 0 after this many messages. */
  readonly count?: number;
  /** Exit 0 after this many seconds. */
  readonly duration?: number;
  readonly format: 'ndjson' | 'pretty';
  /** Also write every message to this NDJSON recording (the replay provider's format). */
  readonly record?: string;
  readonly outBuffer?: number;
  readonly overflow?: OverflowPolicy;
}

function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}

/**
 * `tessera subscribe`: a session of its own on the gateway, its messages on stdout (NDJSON, or
 * readable lines), notices on stderr. Ends after `count` messages or `duration` seconds (exit
 * 0), on SIGINT (exit 0), or when the server ends it (exit 1); closes its session on the way out.
 */
export async function subscribe(patterns: readonly string[], options: SubscribeOptions): Promise<number> {
  const writer = options.record === undefined ? undefined : await RecordingWriter.open(options.record);
  const remote = await Remote.connect(options.url, options.token);
  const rate = options.format === 'pretty' && process.stderr.isTTY ? new RateLine(process.stderr) : undefined;
  let received = 0;
  let finish: (code: number, why?: string) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = (code, why) => {
      if (why) process.stderr.write(`${why}\n`);
      finish = () => undefined;
      resolve(code);
    };
  });

  const onMessages = (items: readonly MsgFields[]): void => {
    const take = options.count === undefined ? items : items.slice(0, Math.max(0, options.count - received));
    if (take.length === 0) return;
    received += take.length;
    rate?.clear();
    rate?.add(take.length);
    const format = options.format === 'pretty' ? prettyLine : ndjsonLine;
    process.stdout.write(take.map(format).join('\n') + '\n');
    if (writer) {
      let room = true;
      for (const item of take) room = writer.write(toEnvelope(item));
      // A slow disk slows the socket down instead of growing memory.
      if (!room) {
        remote.ws.pause();
        void writer.drain().then(() => remote.ws.resume());
      }
    }
    if (options.count !== undefined && received >= options.count) finish(0);
  };

  remote.onFrame = (frame: Frame) => {
    switch (frame.op) {
      case 'msg':
        return onMessages([frame as unknown as MsgFields]);
      case 'batch':
        return onMessages(frame.items as MsgFields[]);
      case 'notice': {
        rate?.clear();
        const { op: _op, ...notice } = frame;
        process.stderr.write(`notice ${JSON.stringify(notice)}\n`);
        if (frame.kind === 'session-closed') finish(1, 'the session was closed by the server');
        return;
      }
      case 'error':
        return finish(1, `error ${String(frame.code)}: ${String(frame.message)}`);
    }
  };
  void remote.closed.then(({ code, reason }) => finish(1, `connection closed by the server (${code}${reason ? ` ${reason}` : ''})`));
  process.stdout.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'EPIPE' ? 0 : 1));
  const onSignal = (): void => finish(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let timer: ReturnType<typeof setTimeout> | undefined;

  let code: number;
  let sessionId: string | undefined;
  try {
    sessionId = String((await remote.ask({ op: 'session.create' })).sessionId);
    const attach = { op: 'session.attach', sessionId, ...(options.outBuffer === undefined ? {} : { outBuffer: options.outBuffer }), ...(options.overflow === undefined ? {} : { overflow: options.overflow }) };
    await remote.ask(attach);
    const configured = await remote.ask({ op: 'session.configure', patterns });
    if (options.format === 'pretty') process.stderr.write(`subscribed to ${(configured.patterns as string[]).join(' ')}\n`);
    // The duration counts from the moment the subscription is in place.
    if (options.duration !== undefined) timer = setTimeout(() => finish(0), options.duration * 1000);
    code = await finished;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    code = 1;
  }
  // From here on, our own close makes the notices and the socket close: nothing to report.
  finish = () => undefined;
  remote.onFrame = () => undefined;
  if (timer) clearTimeout(timer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  rate?.stop();
  if (sessionId !== undefined) {
    // Best effort: a server that does not answer soon only keeps the session until its idle timeout.
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    const patience = new Promise<void>((resolve) => (giveUp = setTimeout(resolve, 2_000)));
    await Promise.race([remote.ask({ op: 'session.close' }).catch(() => undefined), remote.closed, patience]);
    clearTimeout(giveUp);
  }
  await remote.close();
  await writer?.close();
  await writeOut('');
  return code;
}
