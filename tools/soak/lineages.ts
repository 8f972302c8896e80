import type { GapEvent, SeqAudit } from './seq-audit';

interface Totals {
  lineages: number;
  messages: number;
  /** Seq skipped while the stream stayed bound: each must have been announced. */
  jumps: number;
  /** Seq skipped across a reconfigure that let go of the stream (not losses). */
  unbound: number;
  announced: number;
  /** Seq skipped where a gap notice announced the loss, and the gap notices seen. */
  gapped: number;
  gapNotices: number;
  epochChanges: number;
  regressions: number;
}

/** Invariant 2's numbers, as plain data: the audits themselves are let go before the heap is measured. */
export interface LineageSummary {
  readonly all: Totals;
  /** Clients that never reconfigure, so none of their gaps can be a binding gap. */
  readonly steady: Totals;
  readonly overWebSocket: Totals;
  /** Lineages that broke the invariant: what they saw, and their recent history. */
  readonly bad: readonly { readonly lineage: string; readonly events: readonly GapEvent[]; readonly trail: readonly string[] }[];
}

function totals(audits: readonly SeqAudit[]): Totals {
  const t: Totals = { lineages: audits.length, messages: 0, jumps: 0, unbound: 0, announced: 0, gapped: 0, gapNotices: 0, epochChanges: 0, regressions: 0 };
  for (const a of audits) {
    t.messages += a.messages;
    t.jumps += a.jumps;
    t.unbound += a.unbound;
    t.announced += a.announced;
    t.regressions += a.regressions;
    t.gapped += a.gapped;
    t.gapNotices += a.gapNotices;
    t.epochChanges += a.epochChanges;
  }
  return t;
}

export function summarize(audits: readonly SeqAudit[]): LineageSummary {
  return {
    all: totals(audits),
    steady: totals(audits.filter((a) => a.steady)),
    overWebSocket: totals(audits.filter((a) => a.via === 'ws')),
    bad: audits
      .filter((a) => !a.ok)
      .map((a) => ({ lineage: a.client, events: [...a.events], trail: [...(a.trails[0] ?? [])] })),
  };
}
