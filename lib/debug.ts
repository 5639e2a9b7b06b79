/**
 * The one debug switch of every Berth tool, BERTH_DEBUG. `1` or `stderr` writes debug output
 * (stack traces) to stderr; a CNI plugin also takes any other value as a file to append its log to.
 * BERTH_LOG (plugins, netctl) and NETCTL_DEBUG (netctl) remain deprecated aliases.
 */

/** BERTH_DEBUG, else the tool's deprecated `alias`; undefined when unset or empty. */
export function debugSetting(env: Readonly<Record<string, string | undefined>>, alias?: 'BERTH_LOG' | 'NETCTL_DEBUG'): string | undefined {
  return env.BERTH_DEBUG || (alias && env[alias]) || undefined;
}
