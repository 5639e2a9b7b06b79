/** `berth ps` and `berth inspect`. */
import { closeSync, readFileSync } from 'node:fs';
import type { Globals } from './globals.js';
import { dirsOf, findContainer, withCleanState } from './context.js';
import { parseFlags, list, str } from './flags.js';
import { operandError, requireArgs, UsageError } from './errors.js';
import {
  inspectShape,
  newestFirst,
  PS_DEFAULT_FORMAT,
  PS_HEADERS,
  PS_SIZE_COLUMNS,
  psRecordFields,
  psRow,
  psTemplateData,
  renderPsTable,
  type PsRow,
} from '../runtime/format.js';
import { formatRows } from '../lib/format-rows.js';
import { writeOut } from '../lib/write-out.js';
import { renderTypedTemplate } from '../lib/go-template.js';
import type { GoType } from '../lib/go-typed.js';
import { CONTAINER_JSON, IMAGE_INSPECT } from '../lib/docker-api-types.js';
import { idsWithRunDir, liveState, type Live } from '../runtime/live.js';
import { containerDir, logFile, upperDir, type Dirs } from '../runtime/paths.js';
import { listSummaries, readRecord, summariesFrom } from '../runtime/store.js';
import type { RecordSummary } from '../runtime/record-text.js';
import type { ContainerRecord } from '../runtime/record.js';
import { readAttachmentsOf, sandboxKeyOf } from '../runtime/network/setup.js';
import { renderNetworkSettings, renderPsPorts } from '../runtime/network/settings.js';
import { treeSize } from '../kernel/tree-size.js';
import { renderSize } from '../runtime/disk-size.js';
import { networksOf, psFilter } from '../runtime/ps-filter.js';

/** `-n N` as pflag reads an int: -1 (the default) and 0 mean no limit. */
function lastCount(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^-?\d+$/.test(text))
    throw new UsageError(`invalid argument "${text}" for "-n, --last" flag: strconv.ParseInt: parsing "${text}": invalid syntax`, true);
  return Math.max(0, Number(text));
}

export async function ps(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(
    [
      { name: 'all', short: 'a', type: 'bool', describe: 'show all containers (default: running ones)' },
      { name: 'quiet', short: 'q', type: 'bool', describe: 'only IDs' },
      { name: 'no-trunc', type: 'bool', describe: 'do not truncate' },
      { name: 'filter', short: 'f', type: 'list', describe: 'filter: id, name, status, label, exited, ancestor' },
      { name: 'format', type: 'string', describe: 'table (default), json, or a Go template ("table {{.ID}}\\t{{.Names}}", "{{.Names}}")' },
      { name: 'latest', short: 'l', type: 'bool', describe: 'only the latest created container' },
      { name: 'last', short: 'n', type: 'string', describe: 'the N latest created containers, in any state' },
      { name: 'size', short: 's', type: 'bool', describe: "the container layer's size, and with the image's (virtual)" },
    ],
    argv,
    'ps',
  );
  if (args.length > 0) throw operandError('ps', 'accepts no arguments');
  const format = str(flags.format) ?? 'table';
  // The front runs ps without the JIT only when no supervisor had died (plugins/front/berth.c): gc's
  // locks need bun:ffi, which needs the JIT, so one dying since is left to the next command.
  const d = process.env.BUN_JSC_useJIT === '0' ? dirsOf(g) : await withCleanState(g);
  const now = Date.now();
  const filters = list(flags.filter);
  const wanted =
    filters.length > 0
      ? psFilter(filters, { record: (id) => readRecord(d, id), createdOf: (ref) => findContainer(d, ref).Created })
      : undefined;
  const last = flags.latest === true ? 1 : lastCount(str(flags.last));
  // As dockerd: stopped containers too with -a, -n/-l or a status filter (not with other filters).
  const showAll = flags.all === true || last > 0 || filters.some((f) => f.startsWith('status='));
  let recs = newestFirst(summaries(d));
  if (last > 0) recs = recs.slice(0, last);
  const { rows, shown } = psRows(d, recs, { showAll, wanted, now, noTrunc: flags['no-trunc'] === true });
  for (let i = 0; i < rows.length; i++)
    if (shown[i].HasCni && (rows[i].State === 'running' || rows[i].State === 'paused')) rows[i].Ports = await psPorts(d, shown[i].Id);
  // As the docker CLI: sizes with -s, or for a template that names .Size.
  const withSize = flags.quiet !== true && (flags.size === true || (format !== 'table' && format !== 'json' && format.includes('.Size')));
  if (withSize) await addSizes(g, d, rows, shown);
  // As the docker CLI: these need the whole record, read only for a template that names them.
  if (/\.(Mounts|Networks|LocalVolumes)\b/.test(format))
    for (let i = 0; i < rows.length; i++) {
      const rec = readRecord(d, shown[i].Id);
      Object.assign(rows[i], psRecordFields(rec, networksOf(rec), flags['no-trunc'] === true));
    }
  let out;
  if (flags.quiet === true) out = rows.map((r) => `${r.ID}\n`).join('');
  else if (format === 'json') out = rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  else if (format === 'table') out = renderPsTable(rows, withSize ? PS_SIZE_COLUMNS : undefined);
  else
    out = formatRows(
      format,
      rows.map((r, i) => psTemplateData(r, shown[i].Config.Labels)),
      PS_HEADERS,
      PS_DEFAULT_FORMAT,
    );
  writeOut(1, Buffer.from(out));
  return 0;
}

/**
 * What `inspect REF` shows: the container REF names, else (without `--type container`) the image,
 * as docker looks up a container first; neither is `No such object: REF`.
 */
/** What `inspect` prints of `ref`: its JSON shape and the Go type a template sees it as. */
async function inspectOne(
  g: Globals,
  d: Dirs,
  ref: string,
  o: { type?: string; size: boolean },
): Promise<{ shape: unknown; goType: GoType }> {
  const type = o.type;
  if (type !== 'image') {
    try {
      const rec = findContainer(d, ref);
      const shape = await containerShape(d, rec);
      return { shape: o.size ? withSizes(shape, await layerSizes(g, d, rec)) : shape, goType: CONTAINER_JSON };
    } catch (err) {
      if (type === 'container' || !(err as Error).message.startsWith('No such container:')) throw err;
    }
  }
  // Loaded only here: ps and the usual inspect never read the image store.
  const [{ openImageStore }, { inspectImage }] = await Promise.all([import('../image/store.js'), import('../image/format.js')]);
  const store = openImageStore(g.root);
  try {
    const img = await store.resolve(ref);
    if (o.size) process.stderr.write('WARNING: --size ignored for image\n');
    return { shape: inspectImage(img, store.rawConfig(img.id)), goType: IMAGE_INSPECT };
  } catch (err) {
    if (type === undefined && (err as { code?: string }).code === 'ENOIMAGE') throw new Error(`No such object: ${ref}`);
    throw err;
  }
}

/** `inspect -s`: docker's SizeRw and SizeRootFs, right after GraphDriver. */
function withSizes(shape: Record<string, unknown>, sizes: { rw: number; rootFs: number }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(shape)) {
    out[key] = value;
    if (key === 'GraphDriver') Object.assign(out, { SizeRw: sizes.rw, SizeRootFs: sizes.rootFs });
  }
  return out;
}

/** A container's layer size and that with the image (or `--rootfs` dir) below it, as `ps -s` and `inspect -s` show them. */
async function layerSizes(g: Globals, d: Dirs, rec: RecordSummary): Promise<{ rw: number; rootFs: number }> {
  const rw = treeSize(upperDir(d, rec.Id));
  if (rec.Rootfs !== undefined) return { rw, rootFs: rw + treeSize(rec.Rootfs) };
  const { openImageStore } = await import('../image/store.js');
  let below = 0;
  try {
    below = (await openImageStore(g.root).resolve(rec.Image)).size;
  } catch {
    /* removed by another tool */
  }
  return { rw, rootFs: rw + below };
}

async function containerShape(d: Dirs, rec: ContainerRecord): Promise<Record<string, unknown>> {
  const live = liveState(d, rec);
  const running = live.status === 'running' || live.status === 'paused';
  const settings = renderNetworkSettings(rec, running ? await readAttachmentsOf(rec) : [], running ? sandboxKeyOf(d, rec, live.pid) : '');
  const paths = { log: logFile(d, rec.Id), upper: upperDir(d, rec.Id), dir: containerDir(d, rec.Id) };
  return inspectShape(rec, live, rec.State.OOMKilled, paths, settings);
}

/**
 * The rows `ps` shows and their containers. A plain function with one index loop: ps runs without the
 * JIT, where closures cost per container, and so do the locals of an async function (its frame).
 */
function psRows(
  d: Dirs,
  recs: readonly RecordSummary[],
  o: { showAll: boolean; wanted?: (rec: RecordSummary, live: Live) => boolean; now: number; noTrunc: boolean },
): { rows: PsRow[]; shown: RecordSummary[] } {
  const runDirs = idsWithRunDir(d);
  const rows: PsRow[] = [];
  const shown: RecordSummary[] = [];
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i];
    const live = liveState(d, rec, runDirs);
    const up = live.status === 'running' || live.status === 'paused' || live.status === 'restarting';
    if (!o.showAll && !up) continue;
    if (o.wanted !== undefined && !o.wanted(rec, live)) continue;
    rows.push(psRow(rec, live, o.now, o.noTrunc));
    shown.push(rec);
  }
  return { rows, shown };
}

/**
 * Every record's summary: from the front when it read them (BERTH_PS_SUMMARIES_FD, a pipe; see
 * plugins/front/berth-ps.c), else read here. The variable is the front's alone: children lose it.
 */
function summaries(d: Dirs): RecordSummary[] {
  const fd = Number(process.env.BERTH_PS_SUMMARIES_FD ?? -1);
  delete process.env.BERTH_PS_SUMMARIES_FD;
  if (!Number.isInteger(fd) || fd < 3) return listSummaries(d);
  try {
    return summariesFrom(d, readFileSync(fd, 'utf8'));
  } catch {
    return listSummaries(d);
  } finally {
    try {
      closeSync(fd);
    } catch {
      /* not open */
    }
  }
}

/** `ps -s`: each row's SIZE, the container layer, and with the image (or `--rootfs` dir) below it. */
async function addSizes(g: Globals, d: Dirs, rows: PsRow[], shown: readonly RecordSummary[]): Promise<void> {
  for (let i = 0; i < rows.length; i++) {
    const { rw, rootFs } = await layerSizes(g, d, shown[i]);
    rows[i].Size = renderSize(rw, rootFs);
  }
}

/** A running container's PORTS, from its whole record and its CNI results; none once it is removed. */
async function psPorts(d: Dirs, id: string): Promise<string> {
  let rec;
  try {
    rec = readRecord(d, id);
  } catch {
    return '';
  }
  return renderPsPorts(rec, await readAttachmentsOf(rec));
}

export async function inspect(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(
    [
      { name: 'type', type: 'string', describe: 'container or image (default: a container, else an image)' },
      { name: 'format', short: 'f', type: 'string', describe: 'a Go template, e.g. "{{.State.Status}}"' },
      { name: 'size', short: 's', type: 'bool', describe: "a container's SizeRw and SizeRootFs (its layer, and with its image)" },
    ],
    argv,
    'inspect',
  );
  const format = str(flags.format);
  const type = str(flags.type);
  requireArgs(args, 'inspect');
  if (type === 'network' || type === 'volume') throw new UsageError(`--type ${type}: use "berth ${type} inspect"`);
  if (type !== undefined && type !== 'container' && type !== 'image') throw new UsageError(`"${type}" is not a valid value for --type`);
  const d = await withCleanState(g);
  const out: Array<{ shape: unknown; goType: GoType }> = [];
  let failed = false;
  for (const ref of args) {
    try {
      out.push(await inspectOne(g, d, ref, { type, size: flags.size === true }));
    } catch (err) {
      failed = true;
      process.stderr.write(`Error: ${(err as Error).message}\n`);
    }
  }
  // A template sees the object as Docker's CLI does: its Go type first, the decoded JSON if that fails.
  if (format === undefined)
    process.stdout.write(
      `${JSON.stringify(
        out.map((o) => o.shape),
        null,
        4,
      )}\n`,
    );
  else for (const o of out) process.stdout.write(`${renderTypedTemplate(format, o.goType, JSON.parse(JSON.stringify(o.shape)))}\n`);
  return failed ? 1 : 0;
}
