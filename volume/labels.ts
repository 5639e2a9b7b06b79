/**
 * Volume labels (`berth volume create --label`). The volume plugin protocol carries none (dockerd
 * keeps them in its own store), so `berth volume` keeps them under berth's --root, one file per
 * volume name, written at create and removed with the volume.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Labels = Record<string, string>;

/** berth's default --root, for a caller that names none. */
export const DEFAULT_BERTH_ROOT = '/var/lib/berth';

const labelsFile = (root: string, name: string) => join(root, 'volume-labels', `${name}.json`);

/** `KEY=VALUE` or `KEY` (an empty value), as docker's `--label`; the last of a key wins. */
export function parseLabels(pairs: readonly string[]): Labels {
  const out: Labels = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    out[eq < 0 ? pair : pair.slice(0, eq)] = eq < 0 ? '' : pair.slice(eq + 1);
  }
  return out;
}

/** The labels of volume `name`; {} when it has none (or they were never written). */
export function readLabels(root: string, name: string): Labels {
  try {
    const parsed: unknown = JSON.parse(readFileSync(labelsFile(root, name), 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Labels) : {};
  } catch {
    return {};
  }
}

/** Replaces the labels of `name` (none: the file goes, so a new volume of an old name has none). */
export function writeLabels(root: string, name: string, labels: Labels): void {
  const file = labelsFile(root, name);
  if (Object.keys(labels).length === 0) return removeLabels(root, name);
  mkdirSync(join(root, 'volume-labels'), { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(labels)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function removeLabels(root: string, name: string): void {
  rmSync(labelsFile(root, name), { force: true });
}

/** `a=b,c=` as `docker volume ls --format '{{.Labels}}'` prints them (sorted by key). */
export const renderLabels = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
