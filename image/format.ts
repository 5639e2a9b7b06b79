/**
 * How docker prints images (pure): `docker images` rows and columns, sizes and ages as go-units
 * writes them, and `docker image inspect`'s JSON shape.
 */
import type { ImageRecord } from './store.js';
import { splitTag } from './reference.js';

import { renderColumns } from '../lib/format-rows.js';
import { humanSize } from '../lib/go-units.js';

export { renderColumns };

/** go-units' HumanDuration, as docker prints ages ("About an hour", "3 weeks"). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "N units ago", or "N/A" for an image without a creation time. */
export function createdSince(created: string | undefined, now: number): string {
  const t = Date.parse(created ?? '');
  return Number.isNaN(t) || t <= 0 ? 'N/A' : `${humanDuration(now - t)} ago`;
}

export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

export interface ImageRow {
  Repository: string;
  Tag: string;
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
  /** Docker prints it with 4 significant digits, Size with 3. */
  VirtualSize: string;
}

/** One row per tag (`<none>` for an untagged image), in the given image order. */
export function imageRows(images: readonly ImageRecord[], now: number, noTrunc: boolean): ImageRow[] {
  return images.flatMap((img) => {
    const tags = img.repoTags.length ? img.repoTags.map(splitTag) : [{ repository: '<none>', tag: '<none>' }];
    const t = Date.parse(img.created ?? '');
    const createdAt = Number.isNaN(t)
      ? ''
      : new Date(t)
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, ' +0000 UTC')
          .replace(/Z$/, ' +0000 UTC');
    return tags.map(({ repository, tag }) => ({
      Repository: repository,
      Tag: tag,
      ID: noTrunc ? img.id : shortId(img.id),
      CreatedSince: createdSince(img.created, now),
      CreatedAt: createdAt,
      Size: humanSize(img.size),
      VirtualSize: humanSize(img.size, 4),
    }));
  });
}

/** The `docker images` table. */
export function renderImageTable(rows: readonly ImageRow[]): string {
  return renderColumns([
    ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
    ...rows.map((r) => [r.Repository, r.Tag, r.ID, r.CreatedSince, r.Size]),
  ]);
}

/** `images --format 'table ...'` headers by field, as Docker's. */
export const IMAGE_HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Digest: 'DIGEST',
  VirtualSize: 'VIRTUAL SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  Containers: 'CONTAINERS',
};
export const IMAGE_DEFAULT_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

/** A `docker images --format '{{json .}}'` line. */
export function imageRowJson(r: ImageRow): string {
  return JSON.stringify(imageRowData(r));
}

/** The fields `docker images --format` offers for a row. */
export function imageRowData(r: ImageRow): Record<string, string> {
  return {
    Containers: 'N/A',
    CreatedAt: r.CreatedAt,
    CreatedSince: r.CreatedSince,
    Digest: '<none>',
    ID: r.ID,
    Repository: r.Repository,
    SharedSize: 'N/A',
    Size: r.Size,
    Tag: r.Tag,
    UniqueSize: 'N/A',
    VirtualSize: r.VirtualSize,
  };
}

/** Docker's container.Config with its defaults, in its field order (omitempty fields only when set). */
const CONFIG_DEFAULTS = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

function dockerConfig(config: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!config) return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(CONFIG_DEFAULTS)) out[key] = config[key] ?? value;
  for (const [key, value] of Object.entries(config)) if (!(key in out) && value !== undefined && value !== null) out[key] = value;
  return out;
}

/** `docker image inspect`'s object for one image; `raw` is its config blob. */
export function inspectImage(img: ImageRecord, raw: Record<string, any>): Record<string, unknown> {
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: [],
    Parent: '',
    Comment: raw.comment ?? '',
    Created: raw.created ?? '0001-01-01T00:00:00Z',
    Container: raw.container ?? '',
    ContainerConfig: dockerConfig(raw.container_config ?? {}),
    DockerVersion: raw.docker_version ?? '',
    Author: raw.author ?? '',
    Config: dockerConfig(raw.config),
    Architecture: raw.architecture ?? '',
    ...(raw.variant ? { Variant: raw.variant } : {}),
    Os: raw.os ?? 'linux',
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: { Data: { LowerDir: [...img.layerDirs].reverse().join(':') }, Name: 'overlay' },
    RootFS: { Type: 'layers', Layers: img.diffIds },
    Metadata: { LastTagTime: img.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
}
