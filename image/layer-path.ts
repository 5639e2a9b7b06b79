/**
 * What a layer tar entry's name means (pure): its path inside the layer as components, refused
 * when it would leave the layer, and whether it is a whiteout (OCI image spec, layer.md).
 */

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** AUFS's own bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`) at the layer's top: skipped, as docker does. */
const AUFS_META_PREFIX = '.wh..wh.';

export class HostileEntryError extends Error {
  constructor(name: string, reason: string) {
    super(`refusing tar entry ${JSON.stringify(name)}: ${reason}`);
    this.name = 'HostileEntryError';
  }
}

/**
 * The components of an entry name relative to the layer root ([] for the root itself).
 * @throws {HostileEntryError} for an absolute name, a `..` component or a NUL byte
 * @example entryPath('./usr/bin/') // ['usr', 'bin']
 */
export function entryPath(name: string): string[] {
  if (name.includes('\0')) throw new HostileEntryError(name, 'the name contains a NUL byte');
  if (name.startsWith('/')) throw new HostileEntryError(name, 'absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new HostileEntryError(name, 'the path contains ".."');
  return parts;
}

export type Whiteout = { kind: 'opaque' } | { kind: 'file'; name: string } | { kind: 'aufs-meta' };

/** What the last component of `parts` says about whiteouts, or undefined for an ordinary entry. */
export function whiteoutOf(parts: readonly string[], rawName: string): Whiteout | undefined {
  const base = parts[parts.length - 1];
  if (base === undefined) return undefined;
  if (parts[0].startsWith(AUFS_META_PREFIX) && parts[0] !== OPAQUE_WHITEOUT) return { kind: 'aufs-meta' };
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') throw new HostileEntryError(rawName, 'a whiteout must name a file');
  return { kind: 'file', name };
}
