/**
 * Network configuration lists (SPEC.md "Configuration format"): parsing, version selection, and the
 * config each plugin of the list gets on stdin, built like libcni's `buildOneConfig`. Pure: no exec,
 * no fs (the runner in runtime.ts does those).
 */
import { CniError, ErrCode } from './errors.js';
import { describeIfnameProblem, isValidContainerId } from './env.js';
import type { Attachment, Result } from './types.js';
import { compareVersions, convertResult, isSupportedVersion, SUPPORTED_VERSIONS, type CniVersion } from './version.js';
import { isJsonObject as isObject, parseJsonObject } from '../lib/json.js';

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.\-]*$/;

/** One plugin's entry in a list, as written in the file (its own keys kept). */
export interface PluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

/** A parsed `.conflist`. */
export interface NetworkConfigList {
  name: string;
  /** The version Berth speaks with every plugin of the list (negotiated from cniVersion/cniVersions). */
  cniVersion: CniVersion;
  disableCheck: boolean;
  disableGC: boolean;
  plugins: PluginConf[];
  /** The file's text as given, cached with each attachment (libcni's `config`). */
  bytes: string;
}

/** What the runtime knows about one attachment (libcni's RuntimeConf). */
export interface RuntimeConf {
  containerId: string;
  /** Path of the container's netns; may be empty for DEL. */
  netns: string;
  ifName: string;
  /** CNI_ARGS pairs, e.g. [["IgnoreUnknown", "1"], ["IP", "192.0.2.5"]]. */
  args?: ReadonlyArray<readonly [string, string]>;
  /** Capability arguments (portMappings, ips, mac, ipRanges, bandwidth, dns, ...); each plugin gets
   * those its `capabilities` enable, as `runtimeConfig`. */
  capabilityArgs?: Readonly<Record<string, unknown>>;
}

function invalid(msg: string, details = ''): CniError {
  return new CniError(ErrCode.InvalidNetworkConfig, msg, details);
}

/** Reads a boolean key that libcni also accepts as "true"/"false" text. */
function readBool(raw: Record<string, unknown>, key: string): boolean {
  const v = raw[key];
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw invalid(`invalid network configuration list: ${JSON.stringify(key)} must be a boolean, got ${JSON.stringify(v)}`);
}

/**
 * Picks the version to speak: the highest version Berth supports among `cniVersion` and 1.1's
 * `cniVersions` list. Unsupported entries of the list are skipped (libcni skips those newer than it).
 * @throws {CniError} ErrCode.IncompatibleVersion when none is supported (an absent version is 0.1.0)
 */
export function selectListVersion(raw: { cniVersion?: unknown; cniVersions?: unknown }): CniVersion {
  const candidates: unknown[] = [];
  if (raw.cniVersion !== undefined) {
    if (typeof raw.cniVersion !== 'string') throw invalid(`invalid network configuration list: "cniVersion" must be a string`);
    if (raw.cniVersion !== '') candidates.push(raw.cniVersion);
  }
  if (raw.cniVersions !== undefined) {
    if (!Array.isArray(raw.cniVersions) || raw.cniVersions.some((v) => typeof v !== 'string'))
      throw invalid(`invalid network configuration list: "cniVersions" must be a list of strings`);
    candidates.push(...raw.cniVersions);
  }
  const usable = candidates.filter(isSupportedVersion).sort(compareVersions);
  const picked: CniVersion | undefined = usable[usable.length - 1];
  if (picked === undefined) {
    const asked = candidates.length === 0 ? '0.1.0' : candidates.join(', ');
    throw new CniError(
      ErrCode.IncompatibleVersion,
      `incompatible CNI version ${JSON.stringify(asked)} in network configuration list`,
      `supported versions: ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  return picked;
}

/**
 * Parses a `.conflist` (or a single-plugin `.conf`, which becomes a list of one, as libcni's
 * ConfListFromConf does).
 * @throws {CniError} ErrCode.DecodeFailure (6) when not JSON; ErrCode.InvalidNetworkConfig (7) when
 *   a key is missing or malformed; ErrCode.IncompatibleVersion (1) when no version is supported
 */
export function parseConfList(text: string): NetworkConfigList {
  return confListOf(decodeConfList(text), text);
}

/** The object a `.conflist`'s text holds. @throws {CniError} ErrCode.DecodeFailure (6) when not JSON or not an object */
export function decodeConfList(text: string): Record<string, unknown> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok && parsed.why === 'not-json')
    throw new CniError(ErrCode.DecodeFailure, 'cannot decode network configuration list: not valid JSON', parsed.detail);
  if (!parsed.ok) throw new CniError(ErrCode.DecodeFailure, 'cannot decode network configuration list: not a JSON object');
  return parsed.value;
}

/**
 * The list in `raw`, the object parsed from `text`, checked as parseConfList checks it. The list's
 * plugins are `raw`'s own objects: neither is changed by the runner.
 * @throws {CniError} as parseConfList, but for decoding
 */
export function confListOf(raw: Record<string, unknown>, text: string): NetworkConfigList {
  if (typeof raw.name !== 'string' || raw.name === '') throw invalid('invalid network configuration list: "name" is required');
  if (!NETWORK_NAME.test(raw.name)) throw invalid(`invalid network name ${JSON.stringify(raw.name)}: must match ${NETWORK_NAME.source}`);
  const cniVersion = selectListVersion(raw);
  let plugins: unknown[];
  if (raw.plugins === undefined && typeof raw.type === 'string') {
    plugins = [raw];
  } else {
    if (!Array.isArray(raw.plugins)) throw invalid('invalid network configuration list: "plugins" must be a list');
    if (raw.plugins.length === 0) throw invalid('invalid network configuration list: "plugins" is empty');
    plugins = raw.plugins;
  }
  plugins.forEach((p, i) => {
    if (!isObject(p)) throw invalid(`invalid network configuration list: plugins[${i}] is not an object`);
    if (typeof p.type !== 'string' || p.type === '') throw invalid(`invalid network configuration list: plugins[${i}] has no "type"`);
    if (p.type.includes('/') || p.type === '.' || p.type === '..')
      throw invalid(`invalid network configuration list: plugins[${i}] has an invalid type ${JSON.stringify(p.type)}`);
    if (p.capabilities !== undefined && (!isObject(p.capabilities) || Object.values(p.capabilities).some((v) => typeof v !== 'boolean')))
      throw invalid(`invalid network configuration list: plugins[${i}].capabilities must map names to booleans`);
  });
  return {
    name: raw.name,
    cniVersion,
    disableCheck: readBool(raw, 'disableCheck'),
    disableGC: readBool(raw, 'disableGC'),
    plugins: plugins as PluginConf[],
    bytes: text,
  };
}

/**
 * The `runtimeConfig` for one plugin: the runtime's capability arguments that the plugin's
 * `capabilities` enable (libcni's injectRuntimeConfig), or undefined when there are none.
 */
export function selectRuntimeConfig(
  plugin: PluginConf,
  capabilityArgs: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> | undefined {
  const rc: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(plugin.capabilities ?? {}))
    if (enabled && Object.hasOwn(capabilityArgs, cap) && capabilityArgs[cap] !== undefined) rc[cap] = capabilityArgs[cap];
  return Object.keys(rc).length > 0 ? rc : undefined;
}

/**
 * The config plugin `plugin` of `list` gets on stdin for ADD, DEL or CHECK: its own keys, the list's
 * `name` and `cniVersion`, `runtimeConfig` from its capabilities (replacing one written in the file,
 * as libcni does), and `prevResult` converted to the list's version when given.
 */
export function buildPluginConfig(
  list: NetworkConfigList,
  plugin: PluginConf,
  rt: Pick<RuntimeConf, 'capabilityArgs'>,
  prevResult?: Result,
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  const rc = selectRuntimeConfig(plugin, rt.capabilityArgs);
  if (rc) conf.runtimeConfig = rc;
  if (prevResult) conf.prevResult = convertResult(prevResult, list.cniVersion);
  else delete conf.prevResult;
  return conf;
}

/**
 * The config for GC: the plugin's keys, the list's name and version, and the attachments still in
 * use under both keys libcni sends (`cni.dev/valid-attachments`; `cni.dev/attachments` is the name
 * in the 1.1.0 spec text, containernetworking/cni#1101).
 */
export function buildGcConfig(
  list: NetworkConfigList,
  plugin: PluginConf,
  validAttachments: readonly Attachment[],
): Record<string, unknown> {
  const attachments = validAttachments.map(({ containerID, ifname }) => ({ containerID, ifname }));
  return {
    ...plugin,
    name: list.name,
    cniVersion: list.cniVersion,
    'cni.dev/valid-attachments': attachments,
    'cni.dev/attachments': attachments,
  };
}

/** The config for STATUS: the plugin's keys with the list's name and version. */
export function buildStatusConfig(list: NetworkConfigList, plugin: PluginConf): Record<string, unknown> {
  return { ...plugin, name: list.name, cniVersion: list.cniVersion };
}

/**
 * Checks what the runtime passes for one attachment, before anything runs.
 * @throws {CniError} ErrCode.InvalidEnvironment (4) naming the bad value
 */
export function validateRuntimeConf(rt: RuntimeConf, needsNetns: boolean): void {
  if (!isValidContainerId(rt.containerId))
    throw new CniError(
      ErrCode.InvalidEnvironment,
      `invalid container id ${JSON.stringify(rt.containerId)}: must match ^[A-Za-z0-9][A-Za-z0-9_.\\-]*$`,
    );
  const problem = describeIfnameProblem(rt.ifName);
  if (problem) throw new CniError(ErrCode.InvalidEnvironment, `invalid interface name ${JSON.stringify(rt.ifName)}: ${problem}`);
  if (needsNetns && !rt.netns) throw new CniError(ErrCode.InvalidEnvironment, 'invalid runtime configuration: netns is required');
  for (const [k, v] of rt.args ?? []) {
    if (k === '' || k.includes('=') || k.includes(';'))
      throw new CniError(ErrCode.InvalidEnvironment, `invalid CNI_ARGS key ${JSON.stringify(k)}: must be non-empty without "=" or ";"`);
    if (v.includes(';'))
      throw new CniError(
        ErrCode.InvalidEnvironment,
        `invalid CNI_ARGS value ${JSON.stringify(v)} of ${JSON.stringify(k)}: must not contain ";"`,
      );
  }
}
