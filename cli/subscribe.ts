import type WebSocket from 'ws';
import { connect, errorCode, nodeTransport, type ClientMessage, type TesseraClient } from '../client';
import type { OverflowPolicy } from '../common/service-types';
import { RecordingWriter } from '../providers/replay/recording';
import { ndjsonLine, prettyLine, RateLine, toEnvelope } from './output';

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

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  return code === undefined || code === 'CONNECT_FAILED' ? message : `${code}: ${message}`;
}

/**
 * `tessera subscribe`: a session of its own on the gateway (through the client library, without
 * reconnecting: a lost connection ends the command), its messages on stdout (NDJSON, or readable
 * lines), notices on stderr. Ends after `count` messages or `duration` seconds (exit 0), on
 * SIGINT (exit 0), or when the server ends it (exit 1); closes its session on the way out.
 */
export async function subscribe(patterns: readonly string[], options: SubscribeOptions): Promise<number> {
  const writer = options.record === undefined ? undefined : await RecordingWriter.open(options.record);
  let socket: WebSocket | undefined;
  let client: TesseraClient;
  try {
    client = await connect(options.url, {
      reconnect: false,
      transport: nodeTransport({ onSocket: (ws) => (socket = ws) }),
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.outBuffer === undefined ? {} : { outBuffer: options.outBuffer }),
      ...(options.overflow === undefined ? {} : { overflow: options.overflow }),
    });
  } catch (error) {
    await writer?.close();
    throw error;
  }
  const rate = options.format === 'pretty' && process.stderr.isTTY ? new RateLine(process.stderr) : undefined;
  const format = options.format === 'pretty' ? prettyLine : ndjsonLine;
  let received = 0;
  let finish: (code: number, why?: string) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = (code, why) => {
      if (why) process.stderr.write(`${why}\n`);
      finish = () => undefined;
      resolve(code);
    };
  });

  // Messages of one burst are written together, so stdout sees one write per batch, not per message.
  let lines: string[] = [];
  const flush = (): void => {
    const text = lines.join('\n') + '\n';
    lines = [];
    process.stdout.write(text);
  };
  const onMessage = (message: ClientMessage): void => {
    if (options.count !== undefined && received >= options.count) return;
    received++;
    rate?.clear();
    rate?.add(1);
    if (lines.length === 0) queueMicrotask(flush);
    lines.push(format(message));
    // A slow disk slows the socket down instead of growing memory.
    if (writer && !writer.write(toEnvelope(message)) && socket && !socket.isPaused) {
      socket.pause();
      void writer.drain().then(() => socket?.resume());
    }
    if (options.count !== undefined && received >= options.count) finish(0);
  };

  const off = [
    client.on('message', onMessage),
    client.on('notice', (notice) => {
      rate?.clear();
      const { op: _op, ...fields } = notice;
      process.stderr.write(`notice ${JSON.stringify(fields)}\n`);
      if (notice.kind === 'session-closed') finish(1, 'the session was closed by the server');
    }),
    client.on('error', (error) => finish(1, `error ${error.code}: ${error.message}`)),
    client.on('disconnect', ({ code, reason }) => finish(1, `connection closed by the server (${code}${reason ? ` ${reason}` : ''})`)),
  ];
  process.stdout.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'EPIPE' ? 0 : 1));
  const onSignal = (): void => finish(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let timer: ReturnType<typeof setTimeout> | undefined;

  let code: number;
  try {
    const sub = await client.subscribe(patterns);
    if (options.format === 'pretty') process.stderr.write(`subscribed to ${sub.patterns.join(' ')}\n`);
    // The duration counts from the moment the subscription is in place.
    if (options.duration !== undefined) timer = setTimeout(() => finish(0), options.duration * 1000);
    code = await finished;
  } catch (error) {
    process.stderr.write(`${describe(error)}\n`);
    code = 1;
  }
  // From here on, our own close makes the notices and the socket close: nothing to report.
  finish = () => undefined;
  off.forEach((f) => f());
  if (timer) clearTimeout(timer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  rate?.stop();
  socket?.resume();
  // Best effort: a server that does not answer soon only keeps the session until its idle timeout.
  let giveUp: ReturnType<typeof setTimeout> | undefined;
  const patience = new Promise<void>((resolve) => (giveUp = setTimeout(resolve, 2_000)));
  await Promise.race([client.close().catch(() => undefined), patience]);
  clearTimeout(giveUp);
  socket?.terminate();
  await writer?.close();
  await writeOut('');
  return code;
}
