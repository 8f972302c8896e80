import type { CheckCounts, VenueBookFacts } from './book-audit';

/** One invariant's verdict, with what was measured. */
export interface InvariantResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What went wrong, when it did (first few items). */
  readonly evidence?: readonly string[];
}

export interface SoakReport {
  readonly ok: boolean;
  readonly seed: string;
  readonly command: string;
  /** Wall time of the whole run, and of the chaos phase alone. */
  readonly durationMs: number;
  readonly chaosMs: number;
  readonly operations: { readonly total: number; readonly samples: Readonly<Record<string, string>>; readonly byKind: Readonly<Record<string, { readonly ok: number; readonly failed: Readonly<Record<string, number>> }>> };
  readonly faultsInjected: { readonly total: number; readonly byKind: Readonly<Record<string, number>> };
  /** What the service reports it went through (restarts are cumulative per provider / router). */
  readonly effects: { readonly providerRestarts: Readonly<Record<string, number>>; readonly routerRestarts: number; readonly routerDropped: number; readonly workerRestarts: number; readonly workerInputsDropped: number };
  /** The bar audit: closed tick bars seen, matched against their input, alignments broken by a notice. */
  readonly derived: { readonly bars: number; readonly checked: number; readonly breaks: number };
  /** Per venue: the book faults injected and the audit session's comparisons with the venue's book. */
  readonly books: readonly VenueBookFacts[];
  readonly messages: { readonly emittedByProviders: number; readonly delivered: number; readonly jumps: number; readonly skippedAcrossReconfigures: number; readonly dropsAnnounced: number; readonly lineages: number; readonly overWebSocket: { readonly delivered: number; readonly dropsAnnounced: number } };
  readonly leaksFound: number;
  readonly heap: { readonly baselineMB: number; readonly afterMB: number; readonly codeGrowthMB: number; readonly allowanceMB: number };
  readonly invariants: readonly InvariantResult[];
  /** For a lineage that broke invariant 2: what it saw last, and the faults injected meanwhile. */
  readonly trails: readonly { readonly lineage: string; readonly trail: readonly string[]; readonly faults: readonly string[] }[];
}

const pad = (text: string, width: number): string => (text.length >= width ? text : text + ' '.repeat(width - text.length));

/** The human-readable report: the invariants table first, then the counts. */
export function formatReport(r: SoakReport): string {
  const lines: string[] = [];
  const nameWidth = Math.max(...r.invariants.map((i) => i.name.length), 9);
  lines.push(`tessera soak — seed ${r.seed}, chaos ${(r.chaosMs / 1000).toFixed(1)} s, total ${(r.durationMs / 1000).toFixed(1)} s: ${r.ok ? 'ALL INVARIANTS HOLD' : 'INVARIANT VIOLATED'}`);
  lines.push('');
  lines.push(`| ${pad('invariant', nameWidth)} | ok   | detail`);
  lines.push(`|${'-'.repeat(nameWidth + 2)}|------|${'-'.repeat(60)}`);
  for (const inv of r.invariants) {
    lines.push(`| ${pad(inv.name, nameWidth)} | ${inv.ok ? 'yes ' : 'NO  '} | ${inv.detail}`);
    for (const line of inv.evidence ?? []) lines.push(`| ${pad('', nameWidth)} |      |   ${line}`);
  }
  lines.push('');
  lines.push(`operations: ${r.operations.total}`);
  for (const [kind, { ok, failed }] of Object.entries(r.operations.byKind).sort()) {
    const failures = Object.entries(failed)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    lines.push(`  ${pad(kind, 20)} ok ${pad(String(ok), 7)}${failures ? ` failed: ${failures}` : ''}`);
  }
  lines.push(`faults injected: ${r.faultsInjected.total}`);
  for (const [kind, n] of Object.entries(r.faultsInjected.byKind).sort()) lines.push(`  ${pad(kind, 32)} ${n}`);
  const restarts = Object.entries(r.effects.providerRestarts)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  lines.push(`service saw: provider restarts ${restarts}; router restarts ${r.effects.routerRestarts}; router dropped ${r.effects.routerDropped}; bars worker restarts ${r.effects.workerRestarts}, inputs it lost ${r.effects.workerInputsDropped}`);
  lines.push(`derived: ${r.derived.bars} tick bars audited, ${r.derived.checked} matched against their input trades, ${r.derived.breaks} alignment breaks by notices`);
  const checks = (c: CheckCounts): string => `${c.equal} equal, ${c.skipped} skipped, ${c.unequal} unequal`;
  for (const v of r.books) {
    lines.push(`books ${v.venue}: ${v.breaks} breaks, ${v.drops} venue disconnects; ${v.gaps} gaps, ${v.resyncs} resync snapshots; snapshot checks ${checks(v.snapshots)}; quiet-point checks ${checks(v.quiet)}`);
  }
  const m = r.messages;
  lines.push(`messages: emitted by providers ${m.emittedByProviders}, delivered to soak clients ${m.delivered}, seq skipped while bound ${m.jumps}, drops announced ${m.dropsAnnounced}, seq skipped across reconfigures ${m.skippedAcrossReconfigures} (${m.lineages} client lineages); over WebSocket alone: delivered ${m.overWebSocket.delivered}, drops announced ${m.overWebSocket.dropsAnnounced}`);
  lines.push(`leaks found: ${r.leaksFound}`);
  lines.push(`heap: ${r.heap.baselineMB} MB before, ${r.heap.afterMB} MB after, code ${r.heap.codeGrowthMB} MB of the growth (allowance ${r.heap.allowanceMB} MB)`);
  lines.push(`reproduce: ${r.command}`);
  for (const t of r.trails) {
    lines.push('', `trail of ${t.lineage} (ms clock, oldest first):`, ...t.trail.map((l) => `  ${l}`));
    lines.push(`faults meanwhile:`, ...t.faults.map((l) => `  ${l}`));
  }
  return lines.join('\n');
}
