/** `ps` rows and columns, `inspect`'s JSON shape. Pure. */
import { humanDuration } from '../image/format.js';
import { ellipsis } from '../lib/format-rows.js';
import { shortId } from './ids.js';
import type { Live } from './live.js';
import { NEVER, type ContainerRecord } from './record.js';
import type { RecordSummary } from './record-text.js';
import { describeMountPoints } from './volumes/points.js';
import { dockerHostConfig } from './inspect-host-config.js';

/** The STATUS column: `Up 3 seconds`, `Up 5 seconds (Paused)`, `Exited (137) 2 minutes ago`, `Created`. */
export function describeStatus(live: Live, now: number): string {
  switch (live.status) {
    case 'running':
      return `Up ${since(live.startedAt, now)}`;
    case 'paused':
      return `Up ${since(live.startedAt, now)} (Paused)`;
    case 'restarting':
      return `Restarting (${live.exitCode}) ${since(live.finishedAt, now)} ago`;
    case 'exited':
      return live.finishedAt === NEVER ? `Exited (${live.exitCode})` : `Exited (${live.exitCode}) ${since(live.finishedAt, now)} ago`;
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}

/** A top-level function, not a closure made per row (ps runs without the JIT). */
const since = (time: string, now: number) => humanDuration(Math.max(0, now - Date.parse(time)));

export interface PsRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Status: string;
  State: string;
  Names: string;
  Ports: string;
  Labels: string;
  /** With `ps -s` (or a template naming `.Size`) only: `RW (virtual ROOTFS)`. */
  Size?: string;
  /** For a template that names them only (they need the whole record): psRecordFields(). */
  Mounts?: string;
  Networks?: string;
  LocalVolumes?: string;
}

/**
 * `ps --format`'s `.Mounts` (each volume's name, else the source, cut at 15 characters without
 * --no-trunc), `.Networks` (sorted) and `.LocalVolumes` (volumes of the local driver, berth's), as
 * the docker CLI prints them.
 */
export function psRecordFields(
  rec: ContainerRecord,
  networks: readonly string[],
  noTrunc: boolean,
): Required<Pick<PsRow, 'Mounts' | 'Networks' | 'LocalVolumes'>> {
  const mounts = rec.Mounts ?? [];
  return {
    Mounts: mounts.map((m) => (noTrunc ? (m.Name ?? m.Source) : ellipsis(m.Name ?? m.Source, 15))).join(','),
    Networks: [...networks].sort().join(','),
    LocalVolumes: String(mounts.filter((m) => m.Type === 'volume' && (m.Driver === 'berth' || m.Driver === 'local')).length),
  };
}

export function psRow(rec: RecordSummary, live: Live, now: number, noTrunc: boolean, ports = ''): PsRow {
  // Plain concatenation and a for-in: ps runs without the JIT, where spreads and closures cost per row.
  // dockerd's list: an argument with a space in single quotes
  let command = rec.Path;
  for (let i = 0; i < rec.Args.length; i++) command += rec.Args[i].includes(' ') ? ` '${rec.Args[i]}'` : ` ${rec.Args[i]}`;
  const quoted = noTrunc || command.length <= 20 ? command : `${command.slice(0, 19)}…`;
  let labels = '';
  for (const key in rec.Config.Labels) labels += `${labels === '' ? '' : ','}${key}=${rec.Config.Labels[key]}`;
  return {
    ID: noTrunc ? rec.Id : shortId(rec.Id),
    Image: rec.Rootfs !== undefined ? rec.Rootfs : rec.Config.Image,
    Command: `"${quoted}"`,
    CreatedAt: rec.Created,
    RunningFor: `${humanDuration(now - Date.parse(rec.Created))} ago`,
    Status: describeStatus(live, now),
    State: live.status,
    Names: rec.Name,
    Ports: ports,
    Labels: labels,
  };
}

/**
 * Newest first, by `Created` (ISO times: plain order, no collation). A sort of keys without a
 * comparator: a comparator is a call into the interpreter per comparison (ps runs without the JIT).
 */
export function newestFirst<T extends { Created: string }>(recs: readonly T[]): T[] {
  const n = recs.length;
  const keys: string[] = new Array(n);
  for (let i = 0; i < n; i++) keys[i] = `${recs[i].Created}\t${i}`;
  keys.sort();
  const out: T[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = recs[Number(keys[n - 1 - i].slice(keys[n - 1 - i].indexOf('\t') + 1))];
  return out;
}

const COLUMNS: Array<[keyof PsRow, string]> = [
  ['ID', 'CONTAINER ID'],
  ['Image', 'IMAGE'],
  ['Command', 'COMMAND'],
  ['RunningFor', 'CREATED'],
  ['Status', 'STATUS'],
  ['Ports', 'PORTS'],
  ['Names', 'NAMES'],
];

/** `ps --format 'table ...'` headers by field, as Docker's. */
export const PS_HEADERS: Record<string, string> = {
  ...Object.fromEntries(COLUMNS),
  CreatedAt: 'CREATED AT',
  State: 'STATE',
  Labels: 'LABELS',
  Label: 'LABEL',
  Size: 'SIZE',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
};
/** `ps -s`: the table's columns and SIZE last. */
export const PS_SIZE_COLUMNS: Array<[keyof PsRow, string]> = [...COLUMNS, ['Size', 'SIZE']];
export const PS_DEFAULT_FORMAT = `table ${COLUMNS.map(([key]) => `{{.${key}}}`).join('\t')}`;

/** What a `ps --format` template sees: the row, `CreatedAt` as Docker writes it, and `.Label "KEY"`. */
export function psTemplateData(row: PsRow, labels: Readonly<Record<string, string>>): Record<string, unknown> {
  const at = new Date(row.CreatedAt).toISOString();
  return { ...row, CreatedAt: `${at.slice(0, 10)} ${at.slice(11, 19)} +0000 UTC`, Label: (key: string) => labels[key] ?? '' };
}

/**
 * Docker's `ps` table: columns padded to the widest cell plus three spaces, at least 10 wide (the
 * docker CLI's tabwriter minwidth), the last one unpadded.
 * Widths count code points. ps runs without the JIT (plugins/front/berth.c), so the table is built
 * column by column with index loops and native string calls: Buffer.byteLength finds an all-ASCII
 * column (the usual one) in one call, and padEnd pads each cell.
 */
export function renderPsTable(rows: readonly PsRow[], columnsShown: ReadonlyArray<[keyof PsRow, string]> = COLUMNS): string {
  const n = columnsShown.length;
  const columns: string[][] = [];
  // Per cell, the UTF-16 units beyond its code points (surrogate pairs, which padEnd counts twice); none in an ASCII column.
  const extras: Array<number[] | undefined> = [];
  const widths: number[] = [];
  for (let i = 0; i < n; i++) {
    const [key, header] = columnsShown[i];
    const cells = [header];
    for (let r = 0; r < rows.length; r++) cells.push(rows[r][key] ?? '');
    const all = cells.join('');
    const extra = Buffer.byteLength(all) === all.length ? undefined : cells.map((c) => c.length - [...c].length);
    let width = 0;
    for (let r = 0; r < cells.length; r++) {
      const w = cells[r].length - (extra === undefined ? 0 : extra[r]);
      if (w > width) width = w;
    }
    columns.push(cells);
    extras.push(extra);
    widths.push(Math.max(width + 3, 10));
  }
  const lines: string[] = [];
  for (let r = 0; r <= rows.length; r++) {
    let line = '';
    for (let i = 0; i < n - 1; i++) {
      const extra = extras[i];
      line += columns[i][r].padEnd(extra === undefined ? widths[i] : widths[i] + extra[r]);
    }
    const last = columns[n - 1][r];
    lines.push(last === '' ? line.trimEnd() : line + last);
  }
  return `${lines.join('\n')}\n`;
}

/** `inspect`'s object, in Docker's shape (the fields Berth has). */
export function inspectShape(
  rec: ContainerRecord,
  live: Live,
  oomKilled: boolean,
  paths: { log: string; upper: string; /** the container's dir, where its /etc files are */ dir?: string },
  networkSettings?: object,
) {
  return {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: {
      Status: live.status,
      Running: live.status === 'running' || live.status === 'paused',
      Paused: live.status === 'paused',
      Restarting: live.status === 'restarting',
      OOMKilled: oomKilled,
      Dead: live.status === 'dead',
      Pid: live.pid,
      ExitCode: live.exitCode,
      Error: live.error,
      StartedAt: live.startedAt,
      FinishedAt: live.finishedAt,
    },
    Image: rec.Image,
    // Docker names them before a first start too; they exist once the container has started.
    ResolvConfPath: paths.dir ? `${paths.dir}/resolv.conf` : '',
    HostnamePath: paths.dir ? `${paths.dir}/hostname` : '',
    HostsPath: paths.dir ? `${paths.dir}/hosts` : '',
    LogPath: paths.log,
    Name: `/${rec.Name}`,
    RestartCount: live.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    // No SELinux labels, no AppArmor profile, no exec IDs kept: dockerd's empty values.
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: dockerHostConfig(rec.HostConfig),
    GraphDriver: { Name: 'overlay2', Data: { LowerDir: [...rec.LayerDirs].reverse().join(':'), UpperDir: paths.upper } },
    Mounts: describeMountPoints(rec.Mounts ?? []),
    Config: dockerConfig({ ...rec.Config, Env: rec.Config.Env.length ? rec.Config.Env : null }), // dockerd's null for none
    NetworkSettings: networkSettings ?? { Networks: rec.HostConfig.NetworkMode === 'host' ? { host: {} } : { none: {} } },
  };
}

/** container.Config's fields in Go's order (the omitempty ones where they fall when present). */
const CONFIG_ORDER = [
  'Hostname',
  'Domainname',
  'User',
  'AttachStdin',
  'AttachStdout',
  'AttachStderr',
  'ExposedPorts',
  'Tty',
  'OpenStdin',
  'StdinOnce',
  'Env',
  'Cmd',
  'Healthcheck',
  'ArgsEscaped',
  'Image',
  'Volumes',
  'WorkingDir',
  'Entrypoint',
  'NetworkDisabled',
  'MacAddress',
  'OnBuild',
  'Labels',
  'StopSignal',
  'StopTimeout',
  'Shell',
];

/** `inspect`'s Config as dockerd prints it: its order, `Domainname`, `Volumes` and `OnBuild` always there; berth's own keys after. */
function dockerConfig(config: object): Record<string, unknown> {
  const full: Record<string, unknown> = { Domainname: '', Volumes: null, OnBuild: null, ...config };
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_ORDER) if (key in full) out[key] = full[key];
  for (const key of Object.keys(full)) if (!(key in out)) out[key] = full[key];
  return out;
}
