/** The global options of `berth`, given before the command name. Pure. */
import { UsageError } from './errors.js';

export interface Globals {
  /** Persistent state: images, layers, containers, logs. */
  root: string;
  /** Runtime state: supervisors' sockets, exit files, locks. */
  stateDir: string;
  /** Where volume plugins' sockets are (NAME.sock); else $BERTH_VOLUME_PLUGIN_DIR, else /run/docker/plugins. */
  volumePluginDir?: string;
  /** CNI networks: netctl's config dir, cache dir and plugin path (runtime/network/dirs.ts has the defaults). */
  cniConfigDir?: string;
  cniCacheDir?: string;
  cniPath?: string;
}

export const DEFAULT_ROOT = '/var/lib/berth';
export const DEFAULT_STATE_DIR = '/run/berth';

const OPTIONS: Record<string, keyof Globals> = {
  '--root': 'root',
  '--state-dir': 'stateDir',
  '--cni-config-dir': 'cniConfigDir',
  '--cni-cache-dir': 'cniCacheDir',
  '--cni-path': 'cniPath',
  '--volume-plugin-dir': 'volumePluginDir',
};

/**
 * Splits `argv` into the global options before the command and the rest (the command and its
 * arguments). `--root DIR` and `--root=DIR` are both accepted.
 * @throws {UsageError} on an unknown option before the command or a missing value
 */
export function parseGlobals(argv: readonly string[]): { globals: Globals; rest: string[] } {
  const globals: Globals = { root: DEFAULT_ROOT, stateDir: DEFAULT_STATE_DIR };
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-') && argv[i] !== '-h' && argv[i] !== '--help'; i++) {
    const [flag, inline] = argv[i].includes('=')
      ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)]
      : [argv[i], undefined];
    const key = OPTIONS[flag];
    if (!key) throw new UsageError(`unknown flag: ${flag}\nSee 'berth --help'`, true);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`flag needs an argument: ${flag}`, true);
    globals[key] = value;
  }
  return { globals, rest: argv.slice(i) };
}
