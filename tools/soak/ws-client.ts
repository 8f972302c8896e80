import type { Holds } from './holds';
import { pause } from './holds';
import { choosePatterns, PUBLISH_IDS } from './patterns';
import type { Prng } from './prng';
import type { SeqAudit } from './seq-audit';
import { attachOptions, codeOf, SimClient } from './sim-client';
import { LinkError, WsLink, type ServerFrame } from './ws-link';

/** Longest wait for any one answer; the service's own timeouts are far shorter. */
export const ASK_GUARD_MS = 30_000;

interface MsgFrame {
  readonly id: string;
  readonly seq: number;
  readonly ts: number;
}

function isMsg(item: unknown): item is MsgFrame {
  const m = item as Partial<MsgFrame> | null;
  return typeof m?.id === 'string' && typeof m.seq === 'number' && typeof m.ts === 'number';
}

/**
 * A client over a real WebSocket. Its lineage survives an explicit `session.detach` followed by
 * an attach from a new socket; a socket that died (terminated, closed without detaching, cut off
 * by the heartbeat) ends the lineage, since what was in flight on it is lost by design.
 */
export class WsClient extends SimClient {
  readonly kind = 'ws';
  /** Sockets opened and not yet closed, so the end of the soak can check that every one is (closed ones go: a long soak opens thousands). */
  readonly sockets: WsLink[] = [];
  private link: WsLink | undefined;
  /** The last attachment ended in a way that loses nothing (detach, or a `disconnected` cut-off). */
  private clean = false;
  private cutOff = false;

  constructor(
    name: string,
    registry: SeqAudit[],
    steady: boolean,
    private readonly url: string,
    private readonly holds: Holds,
    private readonly onStrayError: (frame: ServerFrame) => void,
  ) {
    super(name, registry, steady);
  }

  async create(prng: Prng): Promise<void> {
    // A socket left open by a session that closed under it (idle, restart limit).
    const old = this.link;
    this.link = undefined;
    await old?.close();
    const link = await this.connect();
    try {
      const created = await link.ask({ op: 'session.create', idleAfterMs: prng.pick([0, 3_000, 10_000]) }, ASK_GUARD_MS);
      this.beginSession(String(created.sessionId));
      this.state = 'detached';
      this.clean = true;
      await this.attachOn(link, prng);
    } catch (error) {
      await link.close();
      throw error;
    }
    await this.configure(prng);
  }

  /** Back from a new socket after a detach, a vanish or a drop. */
  async reattach(prng: Prng): Promise<void> {
    if (!this.clean) this.newLineage();
    this.clean = true;
    const link = await this.connect();
    // The server may not have seen the old socket go yet: the README says retry.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attachOn(link, prng);
      } catch (error) {
        if (codeOf(error) !== 'CLIENT_ALREADY_ATTACHED' || attempt >= 20) {
          await link.close();
          throw error;
        }
        await pause(25 * attempt);
      }
    }
  }

  configure(prng: Prng): Promise<void> {
    const patterns = choosePatterns(prng, { fast: true, steady: this.steady });
    const last = this.wantsLast();
    return this.configured(patterns, async () => (await this.attached().ask({ op: 'session.configure', patterns, ...(last ? { last } : {}) }, ASK_GUARD_MS)).patterns as string[]);
  }

  async detach(): Promise<void> {
    const link = this.attached();
    await link.ask({ op: 'session.detach' }, ASK_GUARD_MS);
    this.state = 'detached';
    this.clean = true;
    await link.close();
  }

  /** Stops reading for `ms`; the client stays busy until it reads again. */
  stall(ms: number): void {
    const link = this.attached();
    this.busy = true;
    link.pauseReading();
    this.holds.after(ms, () => {
      link.resumeReading();
      this.busy = false;
    });
  }

  /** The socket dies without a close frame. */
  async vanish(): Promise<void> {
    await this.attached().terminate();
  }

  /** Closes the socket properly but without detaching first. */
  async drop(): Promise<void> {
    await this.attached().close();
  }

  async close(): Promise<void> {
    const link = this.attached();
    await link.ask({ op: 'session.close' }, ASK_GUARD_MS);
    this.retire();
    await link.close();
  }

  publish(prng: Prng): void {
    this.attached().send({ op: 'publish', id: prng.pick(PUBLISH_IDS), payload: { from: this.name, at: Date.now() }, ref: `pub-${this.name}` });
  }

  /** Closes whatever socket is open (end of the soak). */
  async hangUp(): Promise<void> {
    await Promise.all(this.sockets.map((s) => s.close()));
  }

  private async connect(): Promise<WsLink> {
    let link: WsLink | undefined;
    link = await WsLink.open(this.url, (frame) => this.onFrame(link, frame), ASK_GUARD_MS);
    this.sockets.push(link);
    void link.closed.then(() => {
      this.sockets.splice(this.sockets.indexOf(link!), 1);
      this.onClosed(link!);
    });
    return link;
  }

  private async attachOn(link: WsLink, prng: Prng): Promise<void> {
    this.cutOff = false;
    try {
      await link.ask({ op: 'session.attach', sessionId: this.sessionId, ...attachOptions(prng) }, ASK_GUARD_MS);
    } catch (error) {
      if (codeOf(error) === 'SESSION_NOT_FOUND') this.retire();
      throw error;
    }
    this.link = link;
    this.state = 'attached';
    this.clean = false;
  }

  private attached(): WsLink {
    if (this.link === undefined || this.state !== 'attached') throw new LinkError('NOT_ATTACHED', `${this.name} has no attached socket`);
    return this.link;
  }

  private onFrame(link: WsLink | undefined, frame: ServerFrame): void {
    if (link !== this.link) return;
    switch (frame.op) {
      case 'msg':
        if (isMsg(frame)) this.onMessage(frame);
        return;
      case 'batch':
        for (const item of Array.isArray(frame.items) ? frame.items : []) if (isMsg(item)) this.onMessage(item);
        return;
      case 'notice':
        if (frame.kind === 'dropped' && typeof frame.count === 'number') this.onDropped(frame.count);
        if (frame.kind === 'gap' && typeof frame.id === 'string') this.onGap(frame.id, typeof frame.reason === 'string' ? frame.reason : '');
        if (frame.kind === 'disconnected') this.cutOff = true;
        if (frame.kind === 'session-closed') this.retire();
        return;
      case 'error':
        return this.onStrayError(frame);
      default:
        return;
    }
  }

  private onClosed(link: WsLink): void {
    if (link !== this.link) return;
    this.link = undefined;
    if (this.state === 'attached') {
      this.state = 'detached';
      // After a `disconnected` notice the server flushed everything before closing (1008).
      this.clean = this.cutOff;
    }
  }
}
