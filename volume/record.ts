/**
 * A volume's metadata as stored in `<root>/<name>/volume.json` (beside `_data`, never inside it:
 * a file in a fresh data directory would disable dockerd's copy-up), and its `Get` shape.
 */
import { VolumeError } from './errors.js';
import { isMountCounts, type MountCounts } from './mounts.js';
import { parseVolumeOptions, type VolumeSpec } from './options.js';
import type { Volume } from './protocol.js';
import { parseJsonObject } from '../lib/json.js';

export const RECORD_VERSION = 1;

export interface VolumeRecord {
  name: string;
  /** RFC 3339 in UTC, seconds precision, as Docker's local driver shows it. */
  createdAt: string;
  /** The Create options as given (shown under Status.options). */
  options: Readonly<Record<string, string>>;
  spec: VolumeSpec;
  /** Bind volumes: the host directory, resolved (realpath) at Create. */
  device?: string;
  /** Managed volumes with `size`: the project ID that carries the quota. */
  projectId?: number;
  /** Counts as of the last snapshot; the mount log of `logGeneration` continues them. */
  mounts: MountCounts;
  /** Which mounts.<gen>.log continues `mounts` (see mount-log.ts). */
  logGeneration: number;
  /** Random per Create (journal.ts): tells this volume from an older one of the same name. Absent in volumes made before the journal. */
  id?: string;
}

/** RFC 3339 with a zone, no fraction: "2026-11-22T05:24:47Z". */
export function formatCreatedAt(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function renderRecord(r: VolumeRecord): string {
  return `${JSON.stringify({
    Version: RECORD_VERSION,
    Name: r.name,
    ...(r.id !== undefined && { Id: r.id }),
    CreatedAt: r.createdAt,
    Options: r.options,
    ...(r.device !== undefined && { Device: r.device }),
    ...(r.projectId !== undefined && { ProjectId: r.projectId }),
    Mounts: r.mounts,
    MountLog: r.logGeneration,
  })}\n`;
}

/**
 * Reads a volume.json back. The spec is re-derived from the stored options, so it is checked by the
 * same rules as a Create.
 * @throws {VolumeError} when the text is not a record of volume `name`
 */
export function parseRecord(text: string, name: string): VolumeRecord {
  const parsed = parseJsonObject(text);
  if (!parsed.ok && parsed.why === 'not-json') throw new VolumeError('volume.json is not valid JSON');
  const raw = parsed.ok ? parsed.value : undefined;
  if (!raw || raw.Version !== RECORD_VERSION) throw new VolumeError(`volume.json is not a version ${RECORD_VERSION} Berth volume record`);
  if (raw.Name !== name) throw new VolumeError(`volume.json names volume ${JSON.stringify(raw.Name)}, not ${JSON.stringify(name)}`);
  if (typeof raw.CreatedAt !== 'string' || Number.isNaN(Date.parse(raw.CreatedAt)))
    throw new VolumeError('volume.json has no valid CreatedAt');
  if (!isMountCounts(raw.Mounts)) throw new VolumeError('volume.json has invalid Mounts');
  if (!Number.isSafeInteger(raw.MountLog) || (raw.MountLog as number) < 0) throw new VolumeError('volume.json has no valid MountLog');
  const options = raw.Options as Record<string, string>;
  const spec = parseVolumeOptions(options);
  if (spec.kind === 'bind' && typeof raw.Device !== 'string') throw new VolumeError('volume.json of a bind volume has no Device');
  return {
    name,
    createdAt: raw.CreatedAt,
    options,
    spec,
    mounts: raw.Mounts,
    logGeneration: raw.MountLog as number,
    ...(typeof raw.Device === 'string' && { device: raw.Device }),
    ...(typeof raw.ProjectId === 'number' && { projectId: raw.ProjectId }),
    ...(typeof raw.Id === 'string' && { id: raw.Id }),
  };
}

/** The `Volume` of a Get reply; `Status` is what `docker volume inspect` shows under "Status". */
export function describeVolume(r: VolumeRecord, mountpoint: string): Volume {
  return {
    Name: r.name,
    Mountpoint: mountpoint,
    CreatedAt: r.createdAt,
    Status: {
      kind: r.spec.kind,
      options: r.options,
      mounts: r.mounts,
      ...(r.spec.kind === 'managed' && { uid: r.spec.uid, gid: r.spec.gid, mode: `0${r.spec.mode.toString(8)}` }),
      ...(r.spec.kind === 'managed' && r.spec.size !== undefined && { sizeBytes: r.spec.size }),
    },
  };
}
