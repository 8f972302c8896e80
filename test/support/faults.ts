import type { DataService } from '../../data-service';
import type { RestartPolicy, ServiceOptions } from '../../common/service-types';
import { ProviderScript } from '../../testkit/scripted-provider';
import { EnvelopeRecorder, waitUntil } from '../../testkit/wait';
import { ManualClock } from '../../testkit';
import { startService } from './service';

/** Helpers shared by the fault-injection suites (test/faults-*.test.ts). */

/** No jitter, so restart delays can be checked to the millisecond. */
export const EXACT: RestartPolicy = { initialBackoffMs: 200, maxBackoffMs: 30_000, jitter: 0, maxRestarts: 10, withinMs: 60_000 };

/**
 * A service on a manual clock with one scripted provider `feed` and one attached session.
 * Sessions never idle out, so the only timers on the clock are the ones a test is about.
 */
export async function feedService(options: ServiceOptions = {}, patterns = ['feed::a']) {
  const clock = new ManualClock();
  const service = await startService({ clock, faultInjection: true, providerRestart: EXACT, sessionDefaults: { idleAfterMs: 0 }, ...options });
  const script = new ProviderScript();
  await service.addProvider('feed', script.factory);
  const session = await service.newSession();
  const client = await service.attachClient(session, { outBuffer: 100_000 });
  const recorder = new EnvelopeRecorder(client.envelopes);
  await service.configureSession(session, patterns);
  return { clock, service, script, session, client, recorder };
}

export type FeedService = Awaited<ReturnType<typeof feedService>>;

/**
 * Resolves once the manager has handled every message sent to it before this call: its mailbox
 * is FIFO, so this shows that something did NOT happen without sleeping.
 */
export async function managerCaughtUp(service: DataService): Promise<void> {
  await service.stats();
}

/** Waits until `count` provider-down notices (any reason) reached the client. */
export function downNotices(s: FeedService, count: number): Promise<void> {
  return s.recorder.waitFor((r) => r.notices('provider-down').length >= count, 5000, `${count} provider-down notices`);
}

/**
 * After a crash has been handled, runs the restart timer (the only timer on the clock) and
 * waits for the new instance. Returns the delay the timer was armed with.
 */
export async function runRestart(s: FeedService): Promise<number> {
  await waitUntil(() => s.clock.pending === 1, 5000, 'the restart timer');
  const armedAt = s.clock.now();
  const instances = s.script.instances.length;
  s.clock.step();
  await waitUntil(() => s.script.instances.length === instances + 1, 5000, 'the restart');
  return s.clock.now() - armedAt;
}

/** Milliseconds `work` took to settle (either way). */
export async function timed(work: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await work.catch(() => undefined);
  return Date.now() - started;
}

interface NactNode {
  readonly name?: string;
  readonly stopped?: boolean;
  readonly children: Map<string, NactNode>;
}

// nact keeps its actor tree in a module-level map; reading it is the only way to count actors.
const systemMap = require('nact/lib/system-map') as { find(name: string): NactNode | undefined };

/** The service's nact system (undefined once stopped). Reaches into internals: tests only. */
export function nactSystem(service: DataService): NactNode | undefined {
  const root = (service as unknown as { system: { root: { system: { name: string } } } }).system.root;
  return systemMap.find(root.system.name);
}

/** Names of the actors in the tree that are not stopped, depth first. */
export function liveActors(node: NactNode | undefined): string[] {
  if (node === undefined) return [];
  const names: string[] = [];
  for (const child of node.children.values()) {
    if (!child.stopped) names.push(child.name ?? '?');
    names.push(...liveActors(child));
  }
  return names;
}

/** Actors hosting provider incarnations (`p-<name>-<incarnation>`). */
export function providerHosts(service: DataService): string[] {
  return liveActors(nactSystem(service)).filter((name) => name.startsWith('p-'));
}
