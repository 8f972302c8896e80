/** What every scenario hands back to the runner: rows for the table, details for `--json`. */

export interface Row {
  /** What was measured, e.g. "100 sessions, deliveries/s". */
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  /** The same measure taken on the baseline in the same run, when there is one. */
  readonly baseline?: number;
  /** value / baseline (or the ratio the target speaks of). */
  readonly ratio?: number;
  /** Human text of the target, e.g. "ratio >= 0.40". */
  readonly target?: string;
  readonly pass?: boolean;
}

export interface ScenarioReport {
  readonly scenario: number;
  readonly title: string;
  /** What the baseline is. */
  readonly baseline: string;
  readonly rows: Row[];
  readonly details: Record<string, unknown>;
  /** Anything that qualifies the figures (a busy machine, dropped messages). */
  readonly notes?: readonly string[];
  readonly elapsedMs?: number;
  /** 1-minute load average before and after the scenario (other processes share the cores). */
  readonly loadavg?: readonly [number, number];
}

export interface BenchOptions {
  /** Shorter runs and fewer repetitions (a smoke test, not figures to quote). */
  readonly quick: boolean;
}

export type Scenario = (options: BenchOptions) => Promise<ScenarioReport>;

export function ratio(value: number, baseline: number): number {
  return baseline === 0 ? NaN : value / baseline;
}

/** Human form of a figure: 1.23 M, 456 k, 0.123 ms, 12.3 KB. */
export function formatValue(value: number | undefined, unit: string): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (unit === '/s') {
    if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M/s`;
    if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k/s`;
    return `${value.toFixed(0)} /s`;
  }
  if (unit === 'ms') return value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(2)} ms`;
  if (unit === 'KB') return `${value.toFixed(2)} KB`;
  return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`.trim();
}

export function formatTable(reports: readonly ScenarioReport[]): string {
  const header = ['#', 'measure', 'tessera', 'baseline', 'ratio', 'target', 'result'];
  const lines: string[][] = [header];
  for (const report of reports) {
    for (const row of report.rows) {
      lines.push([
        String(report.scenario),
        row.label,
        formatValue(row.value, row.unit),
        formatValue(row.baseline, row.unit),
        row.ratio === undefined || Number.isNaN(row.ratio) ? '-' : row.ratio.toFixed(2),
        row.target ?? '',
        row.pass === undefined ? '' : row.pass ? 'PASS' : 'FAIL',
      ]);
    }
  }
  const widths = header.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const render = (l: string[]): string => `| ${l.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const out = [render(lines[0]), rule, ...lines.slice(1).map(render)];
  const legend = reports.flatMap((r) => [`${r.scenario}. ${r.title} — baseline: ${r.baseline}`, ...(r.notes ?? []).map((note) => `   note: ${note}`)]);
  return [...out, '', ...legend, ''].join('\n');
}
