/** What every command gets: the global options and where to write. */
export interface GlobalOptions {
  /** The CNI config dir (--config-dir, CNI_CONF_DIR, /etc/cni/net.d). */
  configDir: string;
  /** The runtime cache root (--cache-dir, /var/lib/cni); results in its "results" subdir. */
  cacheDir: string;
  /** Plugin dirs, searched in order (--cni-path, CNI_PATH, dist/bin beside netctl, /opt/cni/bin). */
  cniPath: string[];
}

export interface CommandContext {
  opts: GlobalOptions;
  /** A line (or lines) for stdout. */
  out(text: string): void;
  /** A warning for stderr, printed as "netctl: warning: ...". */
  warn(text: string): void;
  /** Extra env for plugins (BERTH_DEBUG passed on when set). */
  pluginEnv: Record<string, string>;
  /** netctl's own directory: Berth's plugins found there run in-process (unset: every plugin is exec'd). */
  selfDir?: string;
  /** Set by berth: ADD hands over the result cache's flush to disk (cni/runtime.ts RuntimeOptions). */
  deferCacheFlush?: (flushed: Promise<void>) => void;
  /**
   * Set by berth: settles once the netns file holds the netns (the supervisor makes it while the ADD
   * starts), rejects when it never will; the plugins wait for it (network/runner.ts).
   */
  netnsReady?: Promise<void>;
}
