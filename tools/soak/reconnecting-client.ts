import type WebSocket from 'ws';
import { TesseraClient } from '../../client/client';
import { nodeTransport } from '../../client/node-transport';
import { ContinuityChecker } from '../../testkit/continuity';

/**
 * A client of the client library, left to its own reconnect: the soak cuts its socket at random
 * (terminated, no close frame) and the library must come back on its own, to the same session
 * while it lives. What it hands out is followed by a continuity checker: no `(epoch, seq)`
 * position twice, and no seq skipped unless the server announced it (`dropped`, `gap`) or a
 * socket died since the stream's previous message (what was in flight on it is lost by design,
 * and the library reports it as a `gap` event of its own).
 */
export class ReconnectingClient {
  readonly checker: ContinuityChecker;
  messages = 0;
  cuts = 0;
  reconnects = 0;
  resumed = 0;
  libraryGaps = 0;
  /** Messages since the last reconnect, for the flow check after the chaos. */
  sinceReconnect = 0;
  private lastDisconnectAt = -Infinity;
  private socket: WebSocket | undefined;
  private client: TesseraClient | undefined;

  constructor(
    readonly name: string,
    private readonly url: string,
  ) {
    this.checker = new ContinuityChecker({ mayHaveLeft: (_id, sinceTs) => this.lastDisconnectAt >= sinceTs });
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  async start(patterns: readonly string[]): Promise<void> {
    const client = await TesseraClient.connect(this.url, {
      transport: nodeTransport({ onSocket: (socket) => (this.socket = socket) }),
      reconnect: { initialMs: 20, maxMs: 400 },
      idleAfterMs: 10_000,
      outBuffer: 4_096,
    });
    this.client = client;
    client.on('notice', (notice) => this.checker.notice(notice as { kind: string; count?: number; id?: string } as Parameters<ContinuityChecker['notice']>[0]));
    client.on('gap', (gap) => {
      if (gap.kind !== 'notice') this.libraryGaps++;
    });
    client.on('disconnect', () => (this.lastDisconnectAt = Date.now()));
    client.on('reconnect', (info) => {
      this.reconnects++;
      this.sinceReconnect = 0;
      if (info.resumed) this.resumed++;
    });
    await client.subscribe(patterns, {
      onMessage: (m) => {
        this.messages++;
        this.sinceReconnect++;
        this.checker.message({ id: m.id, seq: m.seq, ts: m.ts, ...(m.epoch === undefined ? {} : { epoch: m.epoch }), ...(m.state === true ? { state: true } : {}), ...(m.cached === true ? { cached: true } : {}) });
      },
    });
  }

  /** Kills the socket under the library. */
  cut(): void {
    if (this.socket === undefined) return;
    this.cuts++;
    this.socket.terminate();
  }

  async stop(): Promise<void> {
    await this.client?.close();
  }
}
