/** Text output of `berth volume` (pure). */
import { renderTable as renderTextTable } from '../lib/table.js';

/** Left-aligned columns separated by three spaces, as the docker CLI prints them. */
export const renderTable = (head: readonly string[], rows: ReadonlyArray<readonly string[]>): string => renderTextTable(head, rows, 3);

/** Parses repeated `-o KEY=VALUE` into an options object; a key given twice is an error. */
export function parseOptionPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`invalid option ${JSON.stringify(pair)}: expected KEY=VALUE`);
    const key = pair.slice(0, eq);
    if (key in out) throw new Error(`invalid option ${JSON.stringify(pair)}: ${JSON.stringify(key)} given twice`);
    out[key] = pair.slice(eq + 1);
  }
  return out;
}

export interface VolumeInfo {
  Name: string;
  Mountpoint: string;
  CreatedAt: string;
  Status: { kind?: string; mounts?: Record<string, number>; options?: Record<string, string> };
}

/** Which volumes `prune` removes: unmounted managed ones (bind ones too with `all`; their host data stays). */
export function selectPrunable(volumes: readonly VolumeInfo[], all: boolean): string[] {
  return volumes
    .filter((v) => Object.keys(v.Status?.mounts ?? {}).length === 0 && (all || v.Status?.kind === 'managed'))
    .map((v) => v.Name)
    .sort();
}

export function describeMounts(mounts: Record<string, number> | undefined): string {
  const ids = Object.keys(mounts ?? {}).sort();
  return ids.length === 0 ? '-' : ids.map((id) => `${id.slice(0, 12)}${mounts![id] > 1 ? `x${mounts![id]}` : ''}`).join(',');
}
