/** Text output of `berth volume` (pure). */
import { renderTable as renderTextTable } from '../lib/table.js';
import { labelMatches, matchesFilters, parseFilters, regexpMatches } from '../lib/docker-filters.js';
import type { Labels } from './labels.js';

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

/** What a `volume ls` filter knows of a volume: its name, whether a container or a mount uses it, its labels. */
export interface FilteredVolume {
  name: string;
  inUse: () => boolean;
  labels: () => Readonly<Record<string, string>>;
}

/**
 * `volume ls --filter` as dockerd's: `dangling=true|false` (1|0; no container names it and no mount
 * ID holds it), `driver` (exact: `berth`), `name` (a regular expression), `label` (`KEY` or
 * `KEY=VALUE`, of `volume create --label`). @throws {Error} with dockerd's words on another key or dangling value
 */
export function volumeFilter(filters: readonly string[]): (v: FilteredVolume) => boolean {
  const parsed = parseFilters(filters, ['dangling', 'driver', 'name', 'label']);
  for (const [key, value] of parsed)
    if (key === 'dangling' && !['true', 'false', '1', '0'].includes(value)) throw new Error(`Invalid filter 'dangling=[${value}]'`);
  return (v) =>
    matchesFilters(parsed, (key, value) => {
      if (key === 'dangling') return v.inUse() !== (value === 'true' || value === '1');
      if (key === 'driver') return value === 'berth';
      if (key === 'name') return regexpMatches(value, v.name);
      return labelMatches(v.labels(), value);
    });
}

/** The daemon's "no such volume" in the docker CLI's words (`Error: No such volume: X`); other errors as berth's. */
export function describeFailure(message: string): string {
  const missing = /^cannot (?:get|remove) volume "(.*)": no such volume$/.exec(message);
  return missing ? `Error: No such volume: ${missing[1]}` : `berth: ${message}`;
}

/** `volume inspect`'s object, in docker's fields and order, with the daemon's Status. */
export const inspectShape = (v: VolumeInfo, labels: Labels) => ({
  CreatedAt: v.CreatedAt,
  Driver: 'berth',
  Labels: labels,
  Mountpoint: v.Mountpoint,
  Name: v.Name,
  Options: v.Status?.options ?? {},
  Scope: 'local',
  Status: v.Status,
});

/** What a `--format` template sees of a volume: docker's fields (driver `berth`, scope `local`) and the daemon's. */
export const templateData = (v: VolumeInfo, labels: Labels | null = null) => ({
  Driver: 'berth',
  Scope: 'local',
  Labels: labels,
  Options: v.Status?.options ?? null,
  ...v,
});

/**
 * `volume prune --filter` as dockerd 20.10's: `label` (every one must match) and `label!` (a volume
 * that matches every one stays). @throws {Error} with dockerd's words on another key
 */
export function pruneFilter(filters: readonly string[]): (labels: Readonly<Record<string, string>>) => boolean {
  const parsed = parseFilters(filters, ['label', 'label!']);
  const wanted = parsed.filter(([k]) => k === 'label').map(([, v]) => v);
  const spared = parsed.filter(([k]) => k === 'label!').map(([, v]) => v);
  return (labels) => wanted.every((v) => labelMatches(labels, v)) && !(spared.length > 0 && spared.every((v) => labelMatches(labels, v)));
}
