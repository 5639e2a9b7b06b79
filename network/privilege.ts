/**
 * Whether netctl may attach and detach: entering a network namespace (setns) needs CAP_SYS_ADMIN,
 * creating veths and addresses CAP_NET_ADMIN. Checked before anything else, so an unprivileged user
 * hears that instead of an EPERM from deep inside.
 */
import { readFileSync } from 'node:fs';
import { NetctlError } from './errors.js';

/** CAP_NET_ADMIN (12) and CAP_SYS_ADMIN (21), linux/capability.h. */
const NEEDED = (1n << 12n) | (1n << 21n);

/** Whether the effective set in `/proc/<pid>/status` text (`CapEff:`, hex) holds both capabilities. Pure. */
export function hasNetnsCapabilities(status: string): boolean {
  // Found by indexOf, not a regular expression: one would compile at its first use, once per ADD.
  const at = `\n${status}`.indexOf('\nCapEff:'); // where "CapEff:" starts in `status`
  if (at < 0) return false;
  const end = status.indexOf('\n', at);
  try {
    return (BigInt(`0x${status.slice(at + 'CapEff:'.length, end < 0 ? undefined : end).trim()}`) & NEEDED) === NEEDED;
  } catch {
    return false; // not hex
  }
}

/** @throws {NetctlError} `<action>: root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) is needed` when this process lacks them */
export function requireNetnsCapabilities(action: string): void {
  if (!hasNetnsCapabilities(readFileSync('/proc/self/status', 'utf8')))
    throw new NetctlError(`${action}: root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) is needed to enter network namespaces`);
}
