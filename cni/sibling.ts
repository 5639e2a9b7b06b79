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

/** The directory of the running executable (argv[1]), resolved through links. */
export function selfDirOf(argv1: string | undefined = process.argv[1]): string | undefined {
  const real = argv1 ? realpathOrUndefined(argv1) : undefined;
  return real ? dirname(real) : undefined;
}

/** True when `pluginPath` resolves to the file of the same name in `selfDir`. */
export function isShippedBeside(pluginPath: string, selfDir: string | undefined): boolean {
  if (!selfDir) return false;
  const own = realpathOrUndefined(join(selfDir, basename(pluginPath)));
  return own !== undefined && own === realpathOrUndefined(pluginPath);
}
