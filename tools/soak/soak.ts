import { writeHeapSnapshot } from 'node:v8';
import { ActorCensus } from './actor-census';
import { activeResources, resourceGrowth } from './resources';
import { TimerCensus } from './timer-census';
import { runChaos } from './chaos';
import { Escapes } from './escapes';
import { gcFunction, settledHeap, type HeapFigure } from './heap';
import { until } from './holds';
import type { SoakOptions } from './options';
import { DEFAULT_SOAK } from './options';
import { quietAndCheck, teardown, type AfterChaos, type AfterTeardown } from './phases';
import { forgetIdentifiers } from './patterns';
import { Prng } from './prng';
import type { SoakReport } from './report';
import { summarize, type LineageSummary } from './lineages';
import { judge } from './verdict';
import type { Tally } from './tally';
import type { BookFacts } from './venue-books';
import { startObservers, startWorld } from './world';

/** Everything a run measured, before it is judged. */
export interface RunFacts {
  readonly options: SoakOptions;
  readonly durationMs: number;
  readonly chaosMs: number;
  readonly tally: Tally;
  readonly lineages: LineageSummary;
  readonly foreign: number;
  readonly after: AfterChaos;
  readonly teardown: AfterTeardown;
  readonly timersLeft: readonly string[];
  readonly resourcesLeft: readonly string[];
  readonly heap: { readonly before: HeapFigure; readonly after: HeapFigure };
  readonly escapes: Escapes;
  readonly derived: DerivedFacts;
  readonly reconnecting: ReconnectFacts;
  readonly books: BookFacts;
}

/** What the client-library clients went through (plain numbers). */
export interface ReconnectFacts {
  readonly clients: number;
  readonly cuts: number;
  readonly reconnects: number;
  readonly resumed: number;
  readonly messages: number;
  readonly libraryGaps: number;
  readonly repeats: number;
  readonly unannounced: number;
  readonly skippedAcrossCuts: number;
  readonly stalled: readonly string[];
  readonly findings: readonly string[];
}

/** What the bar audit found (plain numbers; see bar-audit.ts). */
export interface DerivedFacts {
  readonly bars: number;
  readonly checked: number;
  readonly breaks: number;
  readonly realigned: number;
  readonly violations: readonly string[];
  readonly continuityOk: boolean;
  readonly repeats: number;
  readonly unannounced: number;
  readonly workerRestarts: number;
  readonly workerDropped: number;
}

const LEAK_SETTLE_MS = 5_000;

/**
 * One chaos soak (see RELIABILITY.md): a real service and gateway under seeded random faults and
 * client churn for `seconds`, then quiet, checks, teardown, and the invariants judged.
 */
export async function runSoak(partial: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const options: SoakOptions = { ...DEFAULT_SOAK, ...partial };
  const began = Date.now();
  const gc = gcFunction();
  const escapes = new Escapes();
  const timers = new TimerCensus();
  const actors = new ActorCensus();
  escapes.install();
  try {
    const heapBefore = await settledHeap(gc);
    if (options.heapSnapshot !== '') writeHeapSnapshot(snapshotPath(options.heapSnapshot, 'before'));
    const resourcesBefore = activeResources();
    timers.install();
    actors.install();
    let body: Awaited<ReturnType<typeof runBody>>;
    let timersLeft: string[] = [];
    try {
      body = await runBody(options, actors);
      timersLeft = await leftovers(() => timers.pending());
    } finally {
      timers.uninstall();
      actors.uninstall();
      // The soak's own bookkeeping goes before the heap is measured: the figure is the service's.
      forgetIdentifiers();
    }
    const resourcesLeft = await leftovers(() => resourceGrowth(resourcesBefore, activeResources()));
    const heapAfter = await settledHeap(gc);
    // What stays reachable once everything is stopped, beside the baseline, for a heap profiler.
    if (options.heapSnapshot !== '') writeHeapSnapshot(options.heapSnapshot);
    return judge({
      options,
      durationMs: Date.now() - began,
      ...body,
      timersLeft,
      resourcesLeft,
      heap: { before: heapBefore, after: heapAfter },
      escapes,
    });
  } finally {
    escapes.uninstall();
  }
}

/** The part that holds the world; nothing it returns refers back into it, so the heap can be measured after. */
async function runBody(options: SoakOptions, actors: ActorCensus) {
  const world = await startWorld(options);
  const idleActors = actors.liveActors();
  await startObservers(world);
  const prng = new Prng(options.seed);
  const chaosMs = await runChaos(world, prng, options);
  const after = await quietAndCheck(world, prng);
  // The service still running, after the chaos: what it holds, next to the world's audits.
  if (options.heapSnapshot !== '') writeHeapSnapshot(snapshotPath(options.heapSnapshot, 'running'));
  const down = await teardown(world, actors, idleActors);
  const foreign = world.clients.reduce((sum, c) => sum + c.foreign, 0);
  const b = world.barAudit;
  const worker = after.stats.workers.find((w) => w.name === 'bars');
  const derived: DerivedFacts = {
    bars: b.bars,
    checked: b.checked,
    breaks: b.breaks,
    realigned: b.realigned,
    violations: [...b.violations],
    continuityOk: b.continuity.ok,
    repeats: b.continuity.repeats,
    unannounced: b.continuity.unannounced,
    workerRestarts: worker?.restarts ?? 0,
    workerDropped: worker?.dropped ?? 0,
  };
  const rc = world.reconnecting;
  const sum = (f: (c: (typeof rc)[number]) => number): number => rc.reduce((n, c) => n + f(c), 0);
  const reconnecting: ReconnectFacts = {
    clients: rc.length,
    cuts: sum((c) => c.cuts),
    reconnects: sum((c) => c.reconnects),
    resumed: sum((c) => c.resumed),
    messages: sum((c) => c.messages),
    libraryGaps: sum((c) => c.libraryGaps),
    repeats: sum((c) => c.checker.repeats),
    unannounced: sum((c) => c.checker.unannounced),
    skippedAcrossCuts: sum((c) => c.checker.leftSkips),
    stalled: after.reconnectStalled,
    findings: rc.flatMap((c) => c.checker.findings.map((x) => `${c.name} ${x.kind} ${x.id} ${x.from.epoch}:${x.from.seq} -> ${x.to.epoch}:${x.to.seq}`)),
  };
  const books = world.venue.facts();
  return { chaosMs, tally: world.tally, lineages: summarize(world.audits), foreign, after, teardown: down, derived, reconnecting, books };
}

/** `x.heapsnapshot` → `x-before.heapsnapshot`: another moment's snapshot beside the one after stop. */
function snapshotPath(after: string, moment: 'before' | 'running'): string {
  return `${after.replace(/\.heapsnapshot$/, '')}-${moment}.heapsnapshot`;
}

/** Polls `probe` until it finds nothing left, for a few seconds; what is left then. */
async function leftovers(probe: () => string[]): Promise<string[]> {
  let left = probe();
  try {
    await until(() => ((left = probe()).length === 0 ? true : undefined), LEAK_SETTLE_MS, 'nothing left', 20);
  } catch {
    // `left` is the finding.
  }
  return left;
}
