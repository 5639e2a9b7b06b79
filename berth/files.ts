/** `berth diff` and `berth cp`. */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Globals } from './globals.js';
import { findContainer, withCleanState } from './context.js';
import { requireArgs, UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { layerChanges } from '../runtime/diff.js';
import { resolveAllInRoot, resolveInRoot } from '../runtime/in-root.js';
import { NoSuchContainerError } from '../runtime/ids.js';
import { liveState } from '../runtime/live.js';
import { upperDir } from '../runtime/paths.js';
import type { ContainerRecord } from '../runtime/record.js';
import type { Dirs } from '../runtime/paths.js';
import { withStoppedRoot } from '../runtime/stopped-root.js';
import { withContainerLock } from '../runtime/store.js';

export async function diff(g: Globals, argv: string[]): Promise<number> {
  const { args } = parseFlags([], argv, 'diff');
  requireArgs(args, 'diff', 1, true);
  const d = await withCleanState(g);
  const rec = findContainer(d, args[0]);
  for (const c of layerChanges(upperDir(d, rec.Id), rec.LayerDirs)) process.stdout.write(`${c.kind} ${c.path}\n`);
  return 0;
}

/**
 * Runs `fn` with the container's root as this process can reach it: a running (or paused)
 * container's /proc/PID/root, else, under the container's lock, its overlay mounted for the copy.
 */
async function withRootOf<T>(d: Dirs, rec: ContainerRecord, fn: (root: string) => Promise<T>): Promise<T> {
  const live = liveState(d, rec);
  if (live.status === 'running' || live.status === 'paused') return fn(`/proc/${live.pid}/root`);
  return withContainerLock(d, rec.Id, async () => {
    const now = liveState(d, rec);
    if (now.status === 'running' || now.status === 'paused') return fn(`/proc/${now.pid}/root`);
    return withStoppedRoot(d, rec, fn);
  });
}

/** Copies `fromDir/name` into `toDir`, owned by the copier, or by `owner` (host IDs) when given. */
function tarPipe(fromDir: string, name: string, toDir: string, owner?: { uid: number; gid: number }): void {
  const as = owner ? [`--owner=${owner.uid}`, `--group=${owner.gid}`, '--numeric-owner'] : [];
  const pack = spawnSync('tar', ['-C', fromDir, ...as, '-cf', '-', name], { maxBuffer: 1 << 30 });
  if (pack.status !== 0) throw new Error(`cannot read ${join(fromDir, name)}: ${pack.stderr.toString().trim()}`);
  const keep = owner ? ['--same-owner', '--numeric-owner'] : ['--no-same-owner'];
  const unpack = spawnSync('tar', ['-C', toDir, ...keep, '-xf', '-'], { input: pack.stdout, maxBuffer: 1 << 30 });
  if (unpack.status !== 0) throw new Error(`cannot write to ${toDir}: ${unpack.stderr.toString().trim()}`);
}

/**
 * `cp CONTAINER:SRC DEST` or `cp SRC CONTAINER:DEST`: a file or a directory, as docker cp, running
 * or stopped; `-` as DEST writes a tar of SRC to stdout, `-` as SRC extracts a tar from stdin.
 */
export async function cp(g: Globals, argv: string[]): Promise<number> {
  // No flags of its own, but an option is still refused as one (exit 125), not counted as an operand.
  const { args } = parseFlags([], argv, 'cp');
  requireArgs(args, 'cp', 2, true);
  const [src, dst] = args;
  const remote = (s: string) => /^[^/.][^:]*:/.test(s);
  if (remote(src) === remote(dst))
    throw new UsageError('copying between containers or within the host is not supported: name one container side (CONTAINER:PATH)');
  const d = await withCleanState(g);
  const split = (s: string) => [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)];
  // docker names a missing container as it names a missing path: the source, or the destination's dir
  const containerOf = (ref: string, shown: string) => {
    try {
      return findContainer(d, ref);
    } catch (err) {
      throw err instanceof NoSuchContainerError ? new Error(`No such container:path: ${ref}:${shown}`) : err;
    }
  };
  if (remote(src)) {
    const [ref, path] = split(src);
    await withRootOf(d, containerOf(ref, path), async (root) => {
      const from = resolveInRoot(root, path);
      const what = lstatSync(from, { throwIfNoEntry: false });
      if (what === undefined) throw new Error(`No such container:path: ${src}`);
      if (path.endsWith('/') && !what.isDirectory()) throw new Error(`not a directory: ${src}`);
      if (dst === '-') return tarToStdout(dirname(from), basename(from));
      const at = landing(what.isDirectory(), dst, dst, (parent) => `invalid output path: directory "${parent}" does not exist`);
      copyTo(at, dirname(from), basename(from));
    });
  } else {
    const [ref, path] = split(dst);
    const rec = containerOf(ref, dirname(path));
    const what = src === '-' ? undefined : lstatSync(src, { throwIfNoEntry: false });
    if (src !== '-' && what === undefined) throw new Error(`lstat ${src}: no such file or directory`);
    // Root inside owns what is copied in, as with Docker: in a private user namespace, the range's first IDs.
    const owner = rec.IdMap && { uid: rec.IdMap.uid.hostId, gid: rec.IdMap.gid.hostId };
    await withRootOf(d, rec, async (root) => {
      // Every link, the last one too, resolves inside the container; what the host sees at `to` is then no link.
      const to = resolveAllInRoot(root, path);
      if (src === '-') {
        if (!statIfAny(to)?.isDirectory()) throw new Error(`destination "${ref}:${path}" must be a directory`);
        return untarFromStdin(to, owner);
      }
      const at = landing(what!.isDirectory(), to, path, () => `No such container:path: ${ref}:${dirname(path)}`);
      const from = resolve(src);
      copyTo(at, dirname(from), basename(from), owner);
    });
  }
  return 0;
}

/** Where a copy lands: into an existing directory, or in `parent` under the name `as`. */
type Landing = { into: string } | { parent: string; as: string };

/**
 * Docker's rules (archive.PrepareArchiveCopy), checked before anything is written: into an existing
 * directory; over an existing file only with a file; a new name only in an existing directory, and
 * a path that ends in `/` only for a directory. `asked` is the destination as given (its trailing `/`).
 */
function landing(srcIsDir: boolean, to: string, asked: string, parentMissing: (parent: string) => string): Landing {
  const there = statIfAny(to.replace(/(.)\/+$/, '$1'));
  if (there?.isDirectory()) return { into: to };
  if (there && srcIsDir) throw new Error('cannot copy directory');
  if (there && asked.endsWith('/')) throw new Error(`not a directory: ${asked}`);
  if (!there && !srcIsDir && asked.endsWith('/')) throw new Error('no such directory');
  const parent = statIfAny(dirname(to));
  if (parent === undefined) throw new Error(parentMissing(dirname(asked)));
  if (!parent.isDirectory()) throw new Error('extraction point is not a directory');
  return { parent: dirname(to), as: basename(to) };
}

/** stat(2), or undefined where nothing is: missing, or a file where a directory was named. */
function statIfAny(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * Copies `fromDir/name` to its landing. A new name is unpacked into a private staging dir beside
 * it, then renamed: unpacking `name` straight into the parent would overwrite a sibling that
 * happens to be called `name`.
 */
function copyTo(at: Landing, fromDir: string, name: string, owner?: { uid: number; gid: number }): void {
  if ('into' in at) return tarPipe(fromDir, name, at.into, owner);
  const staging = mkdtempIn(at.parent);
  try {
    tarPipe(fromDir, name, staging, owner);
    renameSync(join(staging, name), join(at.parent, at.as));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function mkdtempIn(parent: string): string {
  try {
    return mkdtempSync(join(parent, '.berth-cp-'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EROFS') throw new Error(`cannot write to ${parent}: Read-only file system`);
    throw e;
  }
}

/**
 * The archive docker's Go tar writer makes: POSIX ustar headers (pax ones only for what ustar cannot
 * hold, such as long names), whole-second times, and no padding to a 10 KiB record.
 */
const DOCKER_TAR = ['--format=posix', '--pax-option=delete=atime,delete=ctime,delete=mtime', '--blocking-factor=1'];

function tarToStdout(fromDir: string, name: string): void {
  const pack = spawnSync('tar', ['-C', fromDir, ...DOCKER_TAR, '-cf', '-', name], { stdio: ['ignore', 'inherit', 'pipe'] });
  if (pack.status !== 0) throw new Error(`cannot read ${join(fromDir, name)}: ${pack.stderr.toString().trim()}`);
}

/**
 * Extracts the tar on stdin into `toDir`. It is unpacked into a private staging dir first, then
 * copied entry by entry as a file-path copy is: a member such as `link/x` must not follow a
 * link that the container made (to /etc, say) out onto the host.
 */
function untarFromStdin(toDir: string, owner?: { uid: number; gid: number }): void {
  const staging = mkdtempSync(join(tmpdir(), 'berth-cp-'));
  try {
    const unpack = spawnSync('tar', ['-C', staging, '--no-same-owner', '-xf', '-'], { stdio: ['inherit', 'ignore', 'pipe'] });
    if (unpack.status !== 0) throw new Error(`cannot read the tar archive on stdin: ${unpack.stderr.toString().trim()}`);
    for (const name of readdirSync(staging)) tarPipe(staging, name, toDir, owner);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
