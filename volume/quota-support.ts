/** Whether a directory's file system enforces project quotas, from /proc/self/mountinfo (pure). */

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string[];
}

/** Decodes the octal escapes mountinfo uses for spaces and the like ("\040"). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo (proc(5)). */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 4) continue;
    out.push({
      mountPoint: unescape(fields[4]),
      fsType: fields[dash + 1],
      source: unescape(fields[dash + 2]),
      superOptions: fields[dash + 3].split(','),
    });
  }
  return out;
}

/** The mount that holds `path` (resolved): the last entry with the longest matching mount point. */
export function findMount(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const e of entries) {
    const inside = e.mountPoint === '/' || path === e.mountPoint || path.startsWith(`${e.mountPoint}/`);
    if (inside && (!best || e.mountPoint.length >= best.mountPoint.length)) best = e;
  }
  return best;
}

export type QuotaSupport = { ok: true; fsType: 'ext4' | 'xfs'; mountPoint: string } | { ok: false; reason: string };

/**
 * Project quotas work on ext4 and xfs mounted with `prjquota` (xfs also says `pquota`); anything
 * else is refused with the reason.
 */
export function describeQuotaSupport(entries: readonly MountEntry[], path: string): QuotaSupport {
  const m = findMount(entries, path);
  if (!m) return { ok: false, reason: `no mount found for ${JSON.stringify(path)}` };
  const where = `${JSON.stringify(path)} is on ${m.fsType} (${JSON.stringify(m.mountPoint)})`;
  if (m.fsType !== 'ext4' && m.fsType !== 'xfs')
    return { ok: false, reason: `${where}, which has no project quotas: use ext4 or xfs mounted with prjquota` };
  if (!m.superOptions.some((o) => o === 'prjquota' || o === 'pquota' || o === 'pqnoenforce'))
    return { ok: false, reason: `${where} mounted without prjquota` };
  return { ok: true, fsType: m.fsType, mountPoint: m.mountPoint };
}
