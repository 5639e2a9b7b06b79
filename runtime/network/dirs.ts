/** Where a container's CNI networks live: the same dirs and defaults as netctl's global options. Pure. */

export interface CniDirs {
  /** Network conflists (--cni-config-dir, $CNI_CONF_DIR, /etc/cni/net.d). */
  configDir: string;
  /** The result cache root (--cni-cache-dir, /var/lib/cni): DEL gets the ADD's result from it. */
  cacheDir: string;
  /** Plugin dirs (--cni-path, $CNI_PATH, berth's own dir then /opt/cni/bin). */
  cniPath: string[];
}

export interface CniFlags {
  cniConfigDir?: string;
  cniCacheDir?: string;
  cniPath?: string;
}

/** The dirs from the global options, the environment and berth's own dir, as netctl resolves them. */
export function cniDirsOf(flags: CniFlags, env: Readonly<Record<string, string | undefined>>, selfDir: string | undefined): CniDirs {
  const split = (text: string) => text.split(':').filter((p) => p !== '');
  const fallback = [...(selfDir ? [selfDir] : []), '/opt/cni/bin'].filter((p, i, a) => a.indexOf(p) === i);
  return {
    configDir: flags.cniConfigDir ?? (env.CNI_CONF_DIR || '/etc/cni/net.d'),
    cacheDir: flags.cniCacheDir ?? '/var/lib/cni',
    cniPath: flags.cniPath !== undefined ? split(flags.cniPath) : env.CNI_PATH ? split(env.CNI_PATH) : fallback,
  };
}
