/**
 * Whether a plugin found in CNI_PATH is one of the executables shipped beside the running one (so a
 * caller may run it in its own process instead of exec'ing it: same code, one Node start-up less).
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync.native(path); // one syscall; the JS realpath lstat()s every component
  } catch {
    return undefined;
  }
}

/**
 * True in an executable compiled with Bun (scripts/build.mjs): argv[1] is then the entry point's path
 * inside the executable's embedded files, and the executable is process.execPath.
 */
const compiled = () => process.argv[1]?.startsWith('/$bunfs/') === true;

/**
 * The compiled executable's own file, dist/lib/cni.<content hash> (scripts/build.mjs), names no
 * program: the plugins' C front (plugins/front/) execs it with the plugin's name in argv[0].
 */
const isFrontTarget = (path: string): boolean => /^cni\.[0-9a-f]{16}$/.test(basename(path));

/** The names the running program may go by, best first: its executable's or script's, then argv[0]'s. */
export const programNames = (): string[] =>
  [compiled() ? process.execPath : process.argv[1], process.argv0]
    .filter((p): p is string => !!p && !isFrontTarget(p))
    .map((p) => basename(p));

/**
 * The directory of the running program (argv[1], or the compiled executable), resolved through
 * links: dist/bin, also for the compiled executable in dist/lib that the front exec'd.
 */
export function selfDirOf(argv1: string | undefined = process.argv[1]): string | undefined {
  const self = compiled() ? process.execPath : argv1;
  const real = self ? realpathOnce(self) : undefined;
  if (!real) return undefined;
  return isFrontTarget(real) ? join(dirname(real), '..', 'bin') : dirname(real);
}

/**
 * The real paths of the running program and of the files shipped beside it, resolved once per
 * process: each start asks for them at every plugin call.
 */
const ownRealpaths = new Map<string, string | undefined>();

function realpathOnce(path: string): string | undefined {
  if (ownRealpaths.has(path)) return ownRealpaths.get(path);
  const real = realpathOrUndefined(path);
  ownRealpaths.set(path, real);
  return real;
}

/**
 * The path to exec this program again by: dist/bin/NAME, not the compiled executable in dist/lib,
 * which names no program when the front exec'd it.
 */
export function ownExecutable(): string {
  const exe = process.execPath;
  return compiled() && isFrontTarget(exe) ? join(dirname(exe), '..', 'bin', programNames()[0] ?? 'berth') : exe;
}

/** True when `pluginPath` resolves to the file of the same name in `selfDir`. */
export function isShippedBeside(pluginPath: string, selfDir: string | undefined): boolean {
  if (!selfDir) return false;
  const beside = join(selfDir, basename(pluginPath));
  const own = realpathOnce(beside);
  // CNI_PATH is often the program's own dir: the same path needs no second realpath.
  return own !== undefined && (pluginPath === beside || own === realpathOrUndefined(pluginPath));
}
