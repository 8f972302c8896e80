/** Handles and requests keeping the process alive (sockets, servers, ref'd timers): `process.getActiveResourcesInfo()` counted per kind. */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** What `after` has more of than `before`, as "Kind×n". */
export function resourceGrowth(before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, n] of after) if (n > (before.get(kind) ?? 0)) out.push(`${kind}×${n - (before.get(kind) ?? 0)}`);
  return out;
}
