/**
 * The CNI config dir as netctl reads and writes it: every network in it (libcni's file rules:
 * *.conf, *.conflist, *.json, in name order, the first file of a name wins), exclusive creation of
 * NAME.conflist, removal.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileDurable } from '../lib/durable.js';
import { randomHex } from '../lib/random-hex.js';
import { confListOf, decodeConfList, type NetworkConfigList } from '../cni/conflist.js';
import type { NetworkInfo } from './conflist.js';
import { NetctlError } from './errors.js';

export const DEFAULT_CONFIG_DIR = '/etc/cni/net.d';
const EXTENSIONS = ['.conf', '.conflist', '.json'];
/** Serialises netctl create/rm on one config dir; a dot file, so no CNI client reads it. */
const LOCK_NAME = '.netctl.lock';

/** A network's file, parsed and checked: what a CNI call through it needs. */
export interface NetworkConfig {
  file: string;
  text: string;
  list: NetworkConfigList;
  raw: Record<string, unknown>;
}

/** A network's file with what netctl shows and checks of it. */
export interface LoadedNetwork extends NetworkInfo, NetworkConfig {}

export interface ConfigDirContents {
  networks: LoadedNetwork[];
  /** Files that are not valid network configs, one line each ("file": why). */
  problems: string[];
}

/**
 * Every network in `dir`, or with `only` the one of that name (files that cannot name it unparsed,
 * so unlisted in `problems` too); a missing dir is empty. Read in place: a few small files cost less
 * than the thread pool's round trips.
 */
export async function loadNetworks(dir: string, only?: string): Promise<ConfigDirContents> {
  const { configs, problems } = readConfigDir(dir, only);
  const describe = await describer();
  return { networks: configs.map((c) => ({ ...describe(c), ...c })), problems };
}

function readConfigDir(dir: string, only: string | undefined): { configs: NetworkConfig[]; problems: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { configs: [], problems: [] };
    throw new NetctlError(
      `cannot read config dir ${JSON.stringify(dir)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const configs: NetworkConfig[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names.sort()) {
    if (name.startsWith('.') || !EXTENSIONS.some((e) => name.endsWith(e))) continue;
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // a directory, or removed meanwhile
    }
    if (only !== undefined && !mayName(text, only)) continue;
    const read = parsedTexts.get(text) ?? readConfig(text);
    if (read instanceof Error) {
      problems.push(`skipping ${JSON.stringify(file)}: ${read.message}`);
      continue;
    }
    if (seen.has(read.list.name)) continue;
    seen.add(read.list.name);
    configs.push({ list: read.list, raw: read.raw, file, text });
  }
  return { configs, problems };
}

interface ParsedConfig {
  list: NetworkConfigList;
  raw: Record<string, unknown>;
  /** describeNetwork's, once asked for: a CNI call through the network needs only the list. */
  info?: NetworkInfo;
}

/**
 * What each config text read in this process parses to: a start looks its network up three times
 * (the preload, ADD, DEL), and a text that is unchanged parses the same, so this is never stale.
 * Callers share the objects and never change them.
 */
const parsedTexts = new Map<string, ParsedConfig | Error>();
const MAX_PARSED_TEXTS = 64;

/** `text` parsed and checked, or why it is not a network config; remembered. */
function readConfig(text: string): ParsedConfig | Error {
  let read: ParsedConfig | Error;
  try {
    const raw = decodeConfList(text); // one JSON.parse for the list and `raw`
    read = { list: confListOf(raw, text), raw };
  } catch (err) {
    read = err as Error;
  }
  if (parsedTexts.size >= MAX_PARSED_TEXTS) parsedTexts.clear();
  parsedTexts.set(text, read);
  return read;
}

/**
 * The description of a config read by readConfigDir, made once per text. Its module loads on first
 * use: a CNI call through a network (a container's start) needs only the list.
 */
async function describer(): Promise<(config: NetworkConfig) => NetworkInfo> {
  const { describeNetwork } = await import('./conflist.js');
  return (config) => {
    const parsed = parsedTexts.get(config.text);
    if (parsed === undefined || parsed instanceof Error) return describeNetwork(config.raw); // the memo was cleared meanwhile
    return (parsed.info ??= describeNetwork(parsed.raw));
  };
}

/**
 * Whether a config file's text may give the network the name `name`: it holds `"name": "<name>"`,
 * or an escape, which could spell either. Parsing only those spares a lookup most of the parses.
 */
function mayName(text: string, name: string): boolean {
  if (text.includes('\\')) return true;
  const quoted = JSON.stringify(name);
  const before = (i: number) => {
    while (i >= 0 && ' \t\n\r'.includes(text[i])) i--;
    return i;
  };
  for (let at = text.indexOf(quoted); at >= 0; at = text.indexOf(quoted, at + 1)) {
    const colon = before(at - 1);
    if (text[colon] === ':' && text.endsWith('"name"', before(colon - 1) + 1)) return true;
  }
  return false;
}

/** The network named `name`. @throws {NetctlError} when there is none */
export async function findNetwork(dir: string, name: string): Promise<LoadedNetwork> {
  const config = await findNetworkConfig(dir, name);
  return { ...(await describer())(config), ...config };
}

/** The file of the network named `name`, without its description. @throws {NetctlError} when there is none */
export async function findNetworkConfig(dir: string, name: string): Promise<NetworkConfig> {
  const found = await lookUpNetworkConfig(dir, name);
  if (!found) throw new NetctlError(`network ${JSON.stringify(name)} not found in ${JSON.stringify(dir)}`);
  return found;
}

/** The file of the network named `name`, if there is one. */
export async function lookUpNetworkConfig(dir: string, name: string): Promise<NetworkConfig | undefined> {
  return readConfigDir(dir, name).configs.find((c) => c.list.name === name);
}

/**
 * Writes `<dir>/<name>.conflist` atomically and never over an existing file: a temp file beside it,
 * fsync, link() to the final name (EEXIST if taken), unlink of the temp name, fsync of the dir.
 * @throws {NetctlError} when the file exists
 */
export async function writeConflistExclusive(dir: string, name: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const file = join(dir, `${name}.conflist`);
  const tmp = join(dir, `.${name}.conflist.${process.pid}.${randomHex(4)}.tmp`);
  if (!(await createFileDurable(file, text, 'inline', { mode: 0o644, tmp })))
    throw new NetctlError(`cannot create network ${JSON.stringify(name)}: file ${JSON.stringify(file)} already exists`);
  return file;
}

/** Removes a network's file; absent is fine. */
export async function removeConflist(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Runs `fn` holding an flock on the config dir, so two netctl create never pick the same subnet. */
export async function withConfigDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const { withFileLock } = await import('../kernel/flock.js');
  return withFileLock(join(dir, LOCK_NAME), fn);
}
