/** Linux capabilities by name, Docker's default set, --cap-add/--cap-drop. Pure. */

export const CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
] as const;

/** Docker 20.10's default capabilities (moby oci/caps/defaults.go). */
export const DEFAULT_CAPS = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];

/** "net_admin", "CAP_NET_ADMIN" and "NET_ADMIN" are one capability, as in Docker. */
function normalize(name: string): string {
  const upper = name.toUpperCase();
  const bare = upper.startsWith('CAP_') ? upper.slice(4) : upper;
  if (bare !== 'ALL' && !(CAPABILITIES as readonly string[]).includes(bare)) throw new Error(`unknown capability: "${name}"`);
  return bare;
}

/**
 * The container's capabilities: the defaults, minus --cap-drop, plus --cap-add (ALL in either means
 * every capability), as Docker's TweakCapabilities does. @throws {Error} on an unknown name
 */
export function planCapabilities(add: readonly string[], drop: readonly string[]): string[] {
  const adds = add.map(normalize),
    drops = drop.map(normalize);
  let set = new Set<string>(drops.includes('ALL') ? [] : DEFAULT_CAPS.filter((c) => !drops.includes(c)));
  if (adds.includes('ALL')) set = new Set(CAPABILITIES);
  for (const c of adds) if (c !== 'ALL') set.add(c);
  return CAPABILITIES.filter((c) => set.has(c));
}

/** The capability set as the hex bit mask berth-shim takes. */
export function capabilityMask(caps: readonly string[]): string {
  let mask = 0n;
  for (const c of caps) mask |= 1n << BigInt((CAPABILITIES as readonly string[]).indexOf(c));
  return mask.toString(16);
}
