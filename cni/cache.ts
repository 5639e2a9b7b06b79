/**
 * The runtime's result cache, in libcni's layout and format so either can read the other's files:
 * `<cacheDir>/results/<networkName>-<containerId>-<ifName>` holds one JSON object of kind
 * "cniCacheV1" (libcni pkg/libcni/api.go `cachedInfo`). DEL and CHECK read the result of ADD from
 * here; GC and `netctl inspect` list the attachments of a network. Every path is a parameter.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFileFlushLater, writeFileDurable } from '../lib/durable.js';
import { ifPresent, namesIn, unlinkIfPresent } from '../lib/if-present.js';
import { randomHex } from '../lib/random-hex.js';
import { fitFileName, KEPT_BYTES } from './file-name.js';
import { cloneJson, tryParseJsonObject } from '../lib/json.js';

/** libcni's default (`/var/lib/cni`); results live in its `results` subdirectory. */
export const DEFAULT_CACHE_DIR = '/var/lib/cni';
export const CACHE_KIND = 'cniCacheV1';

/** One cached attachment, with libcni's JSON keys. */
export interface CacheEntry {
  kind: typeof CACHE_KIND;
  containerId: string;
  /** The conflist's bytes, base64 (Go marshals []byte so). */
  config: string;
  ifName: string;
  networkName: string;
  netns?: string;
  cniArgs?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  /** The ADD result, in the list's version. */
  result?: Record<string, unknown>;
}

/** The attachment key; names are validated before they get here, so none holds a "/". */
export interface AttachmentKey {
  networkName: string;
  containerId: string;
  ifName: string;
}

/**
 * `<cacheDir>/results/<networkName>-<containerId>-<ifName>`; a name over NAME_MAX bytes is cut and
 * hashed (fitFileName): libcni cannot store those at all, and the entry's content names its key.
 */
export function cacheFilePath(cacheDir: string, key: AttachmentKey): string {
  for (const part of [key.networkName, key.containerId, key.ifName])
    if (part === '' || part.includes('/') || part === '.' || part === '..')
      throw new Error(
        `cannot name cache file for ${JSON.stringify(`${key.networkName}-${key.containerId}-${key.ifName}`)}: invalid name part ${JSON.stringify(part)}`,
      );
  return join(cacheDir, 'results', fitFileName(`${key.networkName}-${key.containerId}-${key.ifName}`));
}

/** Builds the entry written after a successful ADD. Pure. */
export function renderCacheEntry(
  key: AttachmentKey,
  init: {
    config: string;
    netns?: string;
    cniArgs?: ReadonlyArray<readonly [string, string]>;
    capabilityArgs?: Readonly<Record<string, unknown>>;
    result: object;
  },
): CacheEntry {
  const entry: CacheEntry = {
    kind: CACHE_KIND,
    containerId: key.containerId,
    config: Buffer.from(init.config, 'utf8').toString('base64'),
    ifName: key.ifName,
    networkName: key.networkName,
  };
  // libcni omits these when empty (`omitempty`).
  if (init.netns) entry.netns = init.netns;
  if (init.cniArgs && init.cniArgs.length > 0) entry.cniArgs = init.cniArgs.map(([k, v]) => [k, v]);
  if (init.capabilityArgs && Object.keys(init.capabilityArgs).length > 0) entry.capabilityArgs = { ...init.capabilityArgs };
  entry.result = cloneJson(init.result) as Record<string, unknown>;
  return entry;
}

/** Reads a cache file's text; undefined unless it is a cniCacheV1 entry with its key fields. Pure. */
export function parseCacheEntry(text: string): CacheEntry | undefined {
  const e = tryParseJsonObject(text);
  if (!e) return undefined;
  if (e.kind !== CACHE_KIND) return undefined;
  for (const key of ['containerId', 'ifName', 'networkName'] as const) if (typeof e[key] !== 'string' || e[key] === '') return undefined;
  if (e.config !== undefined && e.config !== null && typeof e.config !== 'string') return undefined;
  if (e.netns !== undefined && typeof e.netns !== 'string') return undefined;
  if (
    e.cniArgs !== undefined &&
    e.cniArgs !== null &&
    !(
      Array.isArray(e.cniArgs) &&
      !e.cniArgs.some((p) => !(Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string'))
    )
  )
    return undefined;
  for (const key of ['capabilityArgs', 'result'] as const)
    if (e[key] !== undefined && e[key] !== null && (typeof e[key] !== 'object' || Array.isArray(e[key]))) return undefined;
  const entry = { ...e } as unknown as CacheEntry;
  if (e.config === null) entry.config = '';
  for (const key of ['cniArgs', 'capabilityArgs', 'result'] as const) if (e[key] === null) delete entry[key];
  return entry;
}

/** The conflist text stored in an entry. */
export function decodeCachedConfig(entry: CacheEntry): string {
  return Buffer.from(entry.config ?? '', 'base64').toString('utf8');
}

/**
 * Stores an attachment's entry (mode 0600 in a 0700 directory, as libcni), durably. With
 * `deferFlush`, the entry is in place on return and its flush to disk is handed over as a promise
 * (lib/durable.ts replaceFileFlushLater), for a caller that has other work to overlap it with.
 */
export async function writeCacheEntry(cacheDir: string, entry: CacheEntry, deferFlush?: (flushed: Promise<void>) => void): Promise<void> {
  const path = cacheFilePath(cacheDir, entry);
  mkdirSync(join(cacheDir, 'results'), { recursive: true, mode: 0o700 });
  const dir = join(path, '..');
  // A unique temp name lets writers run side by side; a leading dot keeps it out of listCachedAttachments.
  const tmp = join(dir, fitFileName(`.${path.slice(dir.length + 1)}.${process.pid}.${randomHex(4)}.tmp`));
  if (deferFlush) deferFlush(replaceFileFlushLater(path, JSON.stringify(entry), 0o600, tmp));
  else await writeFileDurable(path, JSON.stringify(entry), 'inline', { mode: 0o600, tmp });
}

/** The cached entry of one attachment, or undefined when there is none or it does not parse. */
export async function readCacheEntry(cacheDir: string, key: AttachmentKey): Promise<CacheEntry | undefined> {
  const text = ifPresent(() => readFileSync(cacheFilePath(cacheDir, key), 'utf8'));
  if (text === undefined) return undefined;
  const entry = parseCacheEntry(text);
  // The name is ambiguous ("a-b" + "c" = "a" + "b-c"): trust the content only when it matches.
  if (!entry || entry.networkName !== key.networkName || entry.containerId !== key.containerId || entry.ifName !== key.ifName)
    return undefined;
  return entry;
}

/**
 * Removes an attachment's entry; absent is fine. One entry is read, written and removed in place:
 * a trip through the thread pool costs more, and waits behind other work there (a root's removal).
 */
export async function deleteCacheEntry(cacheDir: string, key: AttachmentKey): Promise<void> {
  unlinkIfPresent(cacheFilePath(cacheDir, key));
}

/**
 * Cached attachments of one container: only the cache files whose name holds "-<id>-" are read, so
 * an attach costs the same whatever the number of other containers. Read in place: a few small
 * files cost less than the thread pool's round trips (each start and end of a container reads them).
 */
export async function cachedAttachmentsOf(cacheDir: string, id: string): Promise<CacheEntry[]> {
  const dir = join(cacheDir, 'results');
  const out: CacheEntry[] = [];
  for (const name of namesIn(dir)) {
    if (name.startsWith('.') || !name.includes(`-${id}-`)) continue;
    try {
      const e = parseCacheEntry(readFileSync(join(dir, name), 'utf8'));
      if (e && e.containerId === id) out.push(e);
    } catch {
      /* removed meanwhile */
    }
  }
  return out;
}

/**
 * Every valid cached attachment, optionally only those of one network and/or one container
 * (libcni's GetCachedAttachments), sorted by network, container and interface. Read in place: an
 * ADD with -p reads them all for the host ports in use, and the thread pool's round trips cost it
 * 0.5-3 ms of waiting (its first use in a `berth run`), more than the reads.
 */
export async function listCachedAttachments(
  cacheDir: string,
  filter: { networkName?: string; containerId?: string } = {},
): Promise<CacheEntry[]> {
  const dir = join(cacheDir, 'results');
  const names = ifPresent(() => readdirSync(dir)) ?? [];
  const out: CacheEntry[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    if (
      filter.networkName !== undefined &&
      Buffer.byteLength(filter.networkName) < KEPT_BYTES &&
      !name.startsWith(`${filter.networkName}-`)
    )
      continue;
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch {
      continue; // removed meanwhile, or a directory
    }
    const entry = parseCacheEntry(text);
    if (!entry) continue;
    if (filter.networkName !== undefined && entry.networkName !== filter.networkName) continue;
    if (filter.containerId !== undefined && entry.containerId !== filter.containerId) continue;
    out.push(entry);
  }
  const key = (e: CacheEntry) => [e.networkName, e.containerId, e.ifName];
  return out.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return 0;
  });
}
