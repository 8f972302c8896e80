import type { InvariantResult, SoakReport } from './report';
import type { CheckCounts } from './book-audit';
import type { RunFacts } from './soak';

const MB = 1024 * 1024;
/**
 * Heap may end a little above where it started (code compiled, module caches warmed, winston
 * and ws internals); a leak of sessions, envelopes or actors over a soak is far larger.
 */
const HEAP_ALLOWANCE_BYTES = 16 * MB;

const mb = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;
const signed = (bytes: number): string => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;

/** Turns a run's facts into the report: the five invariants of the brief plus two the soak adds. */
export function judge(f: RunFacts): SoakReport {
  const a = f.after;
  const t = f.teardown;
  const { all, steady, overWebSocket, bad } = f.lineages;
  const invariants: InvariantResult[] = [];

  const subs = a.subscriptions;
  invariants.push({
    name: '1. provider subscriptions = union of wanted streams',
    ok: a.running && subs.missing.length + subs.extra.length === 0 && t.leftoverStreams.length === 0,
    detail: `${subs.wanted} streams wanted after the chaos: ${subs.missing.length} missing, ${subs.extra.length} extra; after closing every session: ${t.leftoverStreams.length} still subscribed${a.running ? '' : '; a provider never came back to running'}`,
    evidence: [...subs.missing.map((s) => `missing ${s}`), ...subs.extra.map((s) => `extra ${s}`), ...t.leftoverStreams.map((s) => `left after close ${s}`)].slice(0, 10),
  });
  invariants.push({
    name: '2. no loss without a dropped or gap notice, no position seen twice',
    ok: bad.length === 0 && f.foreign === 0,
    detail: `${all.jumps} seq skipped while bound, ${all.announced} announced dropped, ${all.gapped} skipped under ${all.gapNotices} gap notices, ${all.epochChanges} epoch changes (${all.unbound} more skipped across reconfigures) over ${all.lineages} lineages (steady clients alone: ${steady.messages} messages, ${steady.jumps} skipped, ${steady.announced} announced, ${steady.unbound} across reconfigures); ${bad.length} lineages short; ${all.regressions} positions seen twice or going back; ${f.foreign} misrouted`,
    evidence: bad.flatMap((x) => x.events.slice(0, 3).map((e) => `${e.client} ${e.id}: ${e.kind} ${e.from} -> ${e.to} (jumps ${e.jumps}, announced ${e.announced})`)).slice(0, 10),
  });
  invariants.push({
    name: '2b. every attached client flows after the chaos',
    ok: a.flow.stalled.length === 0,
    detail: `${a.flow.checked} (client, stream) pairs checked, ${a.flow.stalled.length} silent`,
    evidence: a.flow.stalled.slice(0, 10),
  });
  const leaks: string[] = [];
  if (t.actorsAfterClose !== t.idleActors) leaks.push(`actors after closing every session: ${t.actorsAfterClose}, at start ${t.idleActors}`);
  if (t.actorsAfterStop !== 0 || t.systemsAfterStop !== 0) leaks.push(`after stop: ${t.actorsAfterStop} actors, ${t.systemsAfterStop} actor systems`);
  if (t.socketsOpen !== 0 || t.gatewayConnections !== 0) leaks.push(`sockets open: ${t.socketsOpen} client, ${t.gatewayConnections} gateway`);
  leaks.push(...f.timersLeft.map((s) => `timer armed at ${s}`));
  leaks.push(...f.resourcesLeft.map((s) => `active resource ${s}`));
  invariants.push({
    name: '3. no leaked actors, timers or sockets after stop',
    ok: leaks.length === 0,
    detail: `actors ${t.idleActors} idle / ${t.actorsAfterClose} after closing sessions / ${t.actorsAfterStop} after stop; timers left ${f.timersLeft.length}; new active resources ${f.resourcesLeft.length}; sockets open ${t.socketsOpen + t.gatewayConnections}`,
    evidence: leaks.slice(0, 10),
  });
  const growth = f.heap.after.used - f.heap.before.used;
  const codeGrowth = f.heap.after.code - f.heap.before.code;
  invariants.push({
    name: '4. heap back near baseline after gc',
    ok: growth <= HEAP_ALLOWANCE_BYTES,
    detail: `${mb(f.heap.before.used)} MB before, ${mb(f.heap.after.used)} MB after (${signed(growth)} MB, of which code ${signed(codeGrowth)} MB; allowance ${mb(HEAP_ALLOWANCE_BYTES)} MB)`,
  });
  invariants.push({
    name: '5. no unhandled rejections or uncaught exceptions',
    ok: f.escapes.rejections + f.escapes.exceptions === 0,
    detail: `${f.escapes.rejections} unhandled rejections, ${f.escapes.exceptions} uncaught exceptions`,
    evidence: f.escapes.seen.slice(0, 5).map((s) => s.split('\n').slice(0, 3).join(' | ')),
  });
  invariants.push({
    name: '6. every operation answered, with a documented code',
    ok: f.tally.unexpected.length === 0,
    detail: `${f.tally.total} operations, ${f.tally.unexpected.length} hung or failed with an undocumented error`,
    evidence: f.tally.unexpected.slice(0, 10),
  });

  const d = f.derived;
  invariants.push({
    name: '7. no derived stream loses an input without a gap',
    ok: d.violations.length === 0 && d.continuityOk && d.checked > 0,
    detail: `${d.bars} tick bars to the audit session, ${d.checked} matched trade for trade against the input, ${d.breaks} notices broke the alignment and it was found again ${d.realigned} times; worker restarts ${d.workerRestarts}, inputs it lost ${d.workerDropped}; ${d.repeats} positions seen twice, ${d.unannounced} seq skipped unannounced`,
    evidence: d.violations.slice(0, 10),
  });

  const r = f.reconnecting;
  invariants.push({
    name: '8. client-library clients come back on their own, nothing twice',
    ok: r.stalled.length === 0 && r.repeats === 0 && r.unannounced === 0,
    detail: `${r.clients} clients, ${r.cuts} sockets cut, ${r.reconnects} reconnects (${r.resumed} to the same session), ${r.messages} messages, ${r.skippedAcrossCuts} seq lost in flight on cut sockets (${r.libraryGaps} gap events from the library), ${r.repeats} positions seen twice, ${r.unannounced} seq skipped unannounced; ${r.stalled.length} not back or not receiving after the chaos`,
    evidence: [...r.stalled, ...r.findings].slice(0, 10),
  });

  const k = f.books;
  const counted = (c: CheckCounts): string => `${c.equal} equal, ${c.skipped} skipped, ${c.unequal} unequal`;
  invariants.push({
    name: '9. venue books: never crossed, resynced after every gap, equal to the venue after every snapshot and at quiet points',
    ok: k.violations.length === 0 && k.venues.every((v) => v.crossedOrEarly + v.quiet.unequal + v.snapshots.unequal === 0 && v.quiet.equal > 0 && v.snapshots.equal > 0),
    detail: k.venues
      .map((v) => `${v.venue}: ${v.breaks} breaks, ${v.drops} disconnects, ${v.gaps} gaps, ${v.resyncs} resyncs; snapshots ${counted(v.snapshots)}; quiet points ${counted(v.quiet)}; ${v.crossedOrEarly} crossed or early`)
      .join(' | '),
    evidence: k.violations.slice(0, 10),
  });

  const byKind: Record<string, { ok: number; failed: Record<string, number> }> = {};
  for (const [kind, { ok, failed }] of f.tally.ops) byKind[kind] = { ok, failed: Object.fromEntries(failed) };
  for (const [code, n] of f.tally.strays) (byKind['ws.publish (error frames)'] ??= { ok: 0, failed: {} }).failed[code] = n;
  const faults = Object.fromEntries(f.tally.faults);
  const providerRestarts = Object.fromEntries(a.stats.providers.map((p) => [p.name, p.restarts]));
  return {
    ok: invariants.every((i) => i.ok),
    seed: f.options.seed,
    command: `npm run soak -- --seconds ${f.options.seconds} --seed ${f.options.seed}`,
    durationMs: f.durationMs,
    chaosMs: f.chaosMs,
    operations: { total: f.tally.total, samples: Object.fromEntries(f.tally.samples), byKind },
    faultsInjected: { total: Object.values(faults).reduce((n, x) => n + x, 0), byKind: faults },
    effects: { providerRestarts, routerRestarts: a.stats.router.restarts, routerDropped: a.stats.router.dropped, workerRestarts: d.workerRestarts, workerInputsDropped: d.workerDropped },
    derived: { bars: d.bars, checked: d.checked, breaks: d.breaks },
    books: k.venues,
    messages: {
      emittedByProviders: a.stats.providers.reduce((n, p) => n + p.msgs, 0),
      delivered: all.messages,
      jumps: all.jumps,
      skippedAcrossReconfigures: all.unbound,
      dropsAnnounced: all.announced,
      lineages: all.lineages,
      overWebSocket: { delivered: overWebSocket.messages, dropsAnnounced: overWebSocket.announced },
    },
    leaksFound: leaks.length,
    heap: { baselineMB: mb(f.heap.before.used), afterMB: mb(f.heap.after.used), codeGrowthMB: mb(codeGrowth), allowanceMB: mb(HEAP_ALLOWANCE_BYTES) },
    invariants,
    trails: bad.slice(0, 3).map((x) => {
      const trail = x.trail;
      const from = Number(trail[0]?.split(' ')[0] ?? 0);
      const to = Number(trail[trail.length - 1]?.split(' ')[0] ?? 0);
      const faults = f.tally.timeline.filter((l) => {
        const at = Number(l.split(' ')[0]);
        return at >= from && at <= to;
      });
      return { lineage: x.lineage, trail, faults };
    }),
  };
}
