/**
 * A container's volumes over the Docker volume plugin protocol (volume/client.ts): made at create
 * (named ones on first use), Mounted with the container's ID before its process starts, Unmounted
 * with the same ID on every exit path, removed with `rm -v` or `--rm` when anonymous.
 * What is mounted is written down first (`volumes.json` in the container's dir), so that cleanup
 * and gc release it even after a crash; an Unmount of an ID that holds nothing is harmless.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { callDaemon } from '../../volume/client.js';
import { replaceFile } from '../../lib/durable.js';
import { containerDir, type Dirs } from '../paths.js';
import type { ContainerRecord } from '../record.js';
import type { MountPoint } from './points.js';

type Volume = MountPoint & { Name: string; Socket: string };
const volumesOf = (points: readonly MountPoint[] | undefined) => (points ?? []).filter((m): m is Volume => m.Type === 'volume');

/**
 * Makes every volume that does not exist yet (Get, then Create as dockerd does) and fills in its
 * Source. Returns the points and the names of the volumes it made, to undo them on a later failure.
 */
export async function ensureVolumes(points: readonly MountPoint[]): Promise<{ points: MountPoint[]; created: Volume[] }> {
  const created: Volume[] = [];
  const out: MountPoint[] = [];
  for (const m of points) {
    if (m.Type !== 'volume') {
      out.push(m);
      continue;
    }
    const v = m as Volume;
    let got = await callDaemon(v.Socket, '/VolumeDriver.Get', { Name: v.Name }).catch(() => undefined);
    if (got === undefined) {
      await callDaemon(v.Socket, '/VolumeDriver.Create', { Name: v.Name, Opts: v.DriverOpts ?? {} });
      created.push(v);
      got = await callDaemon(v.Socket, '/VolumeDriver.Get', { Name: v.Name });
    }
    out.push({ ...v, Source: (got.Volume?.Mountpoint as string | undefined) ?? '' });
  }
  return { points: out, created };
}

const markerOf = (d: Dirs, id: string) => join(containerDir(d, id), 'volumes.json');

/**
 * Mounts the container's volumes with its ID; returns Destination -> Mountpoint. On a failure the
 * ones mounted are released again.
 */
/**
 * The `-v` bind sources that are missing, made as directories (mode 0755) as dockerd makes them
 * at each start; a `--mount` bind source was checked at create (checkBindSources).
 */
export function makeBindSources(points: readonly MountPoint[]): void {
  for (const m of points)
    if (m.Type === 'bind' && m.CreateSource && !existsSync(m.Source)) mkdirSync(m.Source, { recursive: true, mode: 0o755 });
}

/** @throws {Error} Docker's words when a `--mount` bind source is not there */
export function checkBindSources(points: readonly MountPoint[]): void {
  for (const m of points)
    if (m.Type === 'bind' && !m.CreateSource && !existsSync(m.Source))
      throw new Error(`invalid mount config for type "bind": bind source path does not exist: ${m.Source}`);
}

export async function mountVolumes(d: Dirs, rec: ContainerRecord): Promise<Map<string, string>> {
  const volumes = volumesOf(rec.Mounts);
  const sources = new Map<string, string>();
  if (volumes.length === 0) return sources;
  const marker = markerOf(d, rec.Id);
  const held: Array<{ Name: string; Socket: string }> = existsSync(marker) ? JSON.parse(readFileSync(marker, 'utf8')) : [];
  replaceFile(marker, JSON.stringify([...held, ...volumes.map((v) => ({ Name: v.Name, Socket: v.Socket }))]));
  try {
    for (const v of volumes) {
      const reply = await callDaemon(v.Socket, '/VolumeDriver.Mount', { Name: v.Name, ID: rec.Id });
      sources.set(v.Destination, reply.Mountpoint as string);
    }
  } catch (err) {
    await unmountVolumes(d, rec.Id).catch(() => {});
    throw new Error(`error while mounting volume: ${(err as Error).message}`);
  }
  return sources;
}

/**
 * Unmounts what `mountVolumes` mounted for container `id`, keeping on past failures; what could not
 * be released stays written down for the next cleanup.
 * @throws {AggregateError} when some Unmount failed
 */
export async function unmountVolumes(d: Dirs, id: string): Promise<void> {
  const marker = markerOf(d, id);
  if (!existsSync(marker)) return;
  const held: Array<{ Name: string; Socket: string }> = JSON.parse(readFileSync(marker, 'utf8'));
  const failed: typeof held = [];
  const errors: Error[] = [];
  for (const v of held)
    await callDaemon(v.Socket, '/VolumeDriver.Unmount', { Name: v.Name, ID: id }).catch((err: Error) => {
      failed.push(v);
      errors.push(err);
    });
  if (failed.length === 0) rmSync(marker, { force: true });
  else {
    replaceFile(marker, JSON.stringify(failed));
    throw new AggregateError(errors, `cannot unmount the volumes of container ${id}: ${errors.map((e) => e.message).join('; ')}`);
  }
}

/**
 * Removes the container's anonymous volumes (never named ones or binds), except those another
 * container still names (--volumes-from). `others` lists the containers, read only when there is
 * an anonymous volume: every `--rm` run ends here. Returns the failures, for the caller to report.
 */
export async function removeAnonymousVolumes(rec: ContainerRecord, others: () => readonly ContainerRecord[]): Promise<Error[]> {
  const anonymous = volumesOf(rec.Mounts).filter((v) => v.Anonymous);
  if (anonymous.length === 0) return [];
  const used = new Set(
    others()
      .filter((o) => o.Id !== rec.Id)
      .flatMap((o) => volumesOf(o.Mounts).map((v) => `${v.Socket}\0${v.Name}`)),
  );
  const errors: Error[] = [];
  for (const v of anonymous)
    if (!used.has(`${v.Socket}\0${v.Name}`))
      await callDaemon(v.Socket, '/VolumeDriver.Remove', { Name: v.Name }).catch((err: Error) => {
        if (!/no such volume/.test(err.message)) errors.push(err);
      });
  return errors;
}
