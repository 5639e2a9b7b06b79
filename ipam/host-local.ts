/**
 * host-local's commands: ADD, DEL, CHECK, GC and STATUS over the disk store.
 *
 * The bridge plugin calls `hostLocal` in its own process when its `ipam.type` resolves to Berth's own
 * host-local; the `host-local` executable reaches the same code through `handlers`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CniError, ErrCode } from '../cni/errors.js';
import { KernelError } from '../kernel/errors.js';
import { contains } from '../cni/ip.js';
import { compareVersions } from '../cni/version.js';
import { validAttachments } from '../cni/valid-attachments.js';
import type { PluginContext, Handlers } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { allocateAll, countFree, leasesOf, selectGarbage } from './allocator.js';
import { DEFAULT_DATA_DIR, HOST_LOCAL_SCHEMA, parseHostLocalConf, parseResolvConf, type HostLocalConf } from './config.js';
import { DiskStore, networkDir, openDiskStore } from './disk-store.js';
import { describeRangeSet, tryParseAddress } from './range.js';
import type { Lease } from './store.js';

export type HostLocalCommand = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/** Turns a failed file operation into code 5 naming the action and the directory; CNI errors pass. */
function storeError(action: string, dir: string, err: unknown): Error {
  if (err instanceof CniError || err instanceof KernelError || (err as { cniCode?: unknown })?.cniCode !== undefined) return err as Error;
  return new CniError(ErrCode.IOFailure, `cannot ${action} in ${JSON.stringify(dir)}: ${err instanceof Error ? err.message : String(err)}`);
}

function loadConf(ctx: PluginContext, ipam: Record<string, unknown> | undefined): Promise<HostLocalConf> {
  if (ctx.argsError) throw ctx.argsError;
  return parseHostLocalConf(
    { name: ctx.config.name, ipam, runtimeConfig: ctx.config.runtimeConfig, args: ctx.config.args },
    ctx.args,
    HOST_LOCAL_SCHEMA,
  );
}

/** The lease directory from the config without validating the ranges: DEL and GC must work whatever they say. */
function leaseDir(ctx: PluginContext, ipam: Record<string, unknown> | undefined): string {
  const dataDir = typeof ipam?.dataDir === 'string' && ipam.dataDir !== '' ? ipam.dataDir : DEFAULT_DATA_DIR;
  return networkDir(dataDir, ctx.config.name);
}

function readDns(path: string): Result['dns'] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CniError(
      ErrCode.IOFailure,
      `cannot read resolvConf ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parseResolvConf(text);
}

async function add(ctx: PluginContext, ipam: Record<string, unknown> | undefined): Promise<Result> {
  const conf = await loadConf(ctx, ipam);
  // A 0.1.0/0.2.0 result holds one address per family (the reference refuses the same way).
  if (compareVersions(ctx.cniVersion, '0.3.0') < 0 && new Set(conf.rangeSets.map((set) => set[0].family)).size < conf.rangeSets.length)
    throw new CniError(
      ErrCode.InvalidNetworkConfig,
      `invalid host-local configuration: CNI version ${ctx.cniVersion} does not support more than 1 address per family`,
    );
  const dns = conf.resolvConf ? readDns(conf.resolvConf) : undefined;
  const holder = { containerId: ctx.containerId, ifname: ctx.ifName };
  const dir = networkDir(conf.dataDir, conf.network);
  let ips;
  try {
    const store = openDiskStore(conf.dataDir, conf.network);
    ips = store.withLock((s) => {
      const known = s.knownLeases(holder);
      const got = allocateAll(s, conf.rangeSets, holder, conf.requested, known);
      const addresses = got.map((c) => c.address.slice(0, c.address.indexOf('/')));
      try {
        s.writeIndex(holder, addresses);
      } catch (err) {
        for (const ip of addresses) s.release(ip); // a failed ADD leaves nothing behind
        throw err;
      }
      return got;
    });
  } catch (err) {
    throw storeError('reserve an address', dir, err);
  }
  return {
    cniVersion: ctx.cniVersion,
    ips,
    ...(conf.routes.length > 0 && { routes: conf.routes }),
    ...(dns && { dns }),
  };
}

async function del(ctx: PluginContext, ipam: Record<string, unknown> | undefined): Promise<void> {
  const dir = leaseDir(ctx, ipam);
  if (!existsSync(dir)) return; // nothing was ever leased here; DEL succeeds (SPEC.md "DEL")
  try {
    const holder = { containerId: ctx.containerId, ifname: ctx.ifName };
    new DiskStore(dir).withLock((s) => {
      for (const lease of s.indexedLeases(holder) ?? leasesOf(s.leases(), holder)) s.release(lease.ip);
      s.dropIndex(holder);
    });
  } catch (err) {
    throw storeError('release the addresses of ' + JSON.stringify(ctx.containerId), dir, err);
  }
}

async function check(ctx: PluginContext, ipam: Record<string, unknown> | undefined): Promise<void> {
  const conf = await loadConf(ctx, ipam);
  const dir = networkDir(conf.dataDir, conf.network);
  const holder = { containerId: ctx.containerId, ifname: ctx.ifName };
  let mine: Lease[] = [];
  try {
    if (existsSync(dir)) mine = new DiskStore(dir).withLock((s) => s.indexedLeases(holder) ?? leasesOf(s.leases(), holder));
  } catch (err) {
    throw storeError('read the leases', dir, err);
  }
  const who = `${JSON.stringify(ctx.containerId)} on ${JSON.stringify(ctx.ifName)}`;
  const mineIps = mine.map((l) => tryParseAddress(l.ip)).filter((ip) => ip !== undefined);
  for (const set of conf.rangeSets)
    // In a subnet of the set, not necessarily between rangeStart and rangeEnd: the reference hands out
    // the last IPv6 address, which Berth's default rangeEnd leaves out, and a lease made before a
    // rangeStart/rangeEnd change is still a lease.
    if (!mineIps.some((ip) => set.some((r) => contains(r.subnet, ip))))
      throw new CniError(ErrCode.CheckFailed, `cannot find an address of ${who} in range set ${describeRangeSet(set)}`);
  for (const ip of ctx.prevResult?.ips ?? []) {
    const addr = tryParseAddress(ip.address);
    if (!addr || !conf.rangeSets.some((set) => set.some((r) => contains(r.subnet, addr)))) continue;
    if (!mineIps.some((m) => m.family === addr.family && m.value === addr.value))
      throw new CniError(ErrCode.CheckFailed, `address ${JSON.stringify(ip.address)} of prevResult is not leased to ${who}`);
  }
}

/** The valid attachments of a GC call, as lease holders. */
function validHolders(ctx: PluginContext): Array<Required<{ containerId: string; ifname: string }>> {
  return validAttachments(ctx.config).map((a) => ({ containerId: a.containerID, ifname: a.ifname }));
}

async function gc(ctx: PluginContext, ipam: Record<string, unknown> | undefined): Promise<void> {
  const valid = validHolders(ctx);
  const dir = leaseDir(ctx, ipam);
  if (!existsSync(dir)) return;
  try {
    new DiskStore(dir).withLock((s) => {
      for (const lease of selectGarbage(s.leases(), valid)) {
        ctx.log.debug(`GC releases ${lease.ip} of ${lease.containerId}/${lease.ifname ?? ''}`);
        s.release(lease.ip);
      }
      s.dropIndexesExcept(valid);
      s.removeLeftovers();
    });
  } catch (err) {
    throw storeError('release stale leases', dir, err);
  }
}

async function status(ctx: PluginContext, ipam: Record<string, unknown> | undefined): Promise<void> {
  const conf = await loadConf(ctx, ipam);
  const dir = networkDir(conf.dataDir, conf.network);
  let leases: Lease[] = [];
  try {
    if (existsSync(dir)) leases = new DiskStore(dir).leases();
  } catch (err) {
    throw storeError('read the leases', dir, err);
  }
  for (const set of conf.rangeSets)
    if (countFree(set, leases) <= 0n)
      throw new CniError(ErrCode.NotAvailable, `no IP addresses available in range set ${describeRangeSet(set)}`);
}

/**
 * Runs one host-local command in this process, exactly as the `host-local` executable would for the
 * same network config and environment.
 *
 * @param command the CNI command
 * @param ctx the caller's plugin context: `ctx.config` is the whole network config (host-local reads
 *   `.name`, `.args`, `.runtimeConfig`, and for GC `cni.dev/valid-attachments`); `ctx.args` is the
 *   parsed CNI_ARGS (`IP=`), plus `containerId`, `ifName`, `cniVersion`, `prevResult` (CHECK) and `log`
 * @param ipamConf host-local's own config; defaults to `ctx.config.ipam`
 * @returns for ADD the IPAM result (`ips` without `interface`, `routes`, `dns`) in the internal 1.1.0
 *   shape (the caller converts it to the requested version); undefined for the other commands
 * @throws {CniError} 7 invalid config, 4 bad CNI_ARGS, 100 a range set is exhausted, 101 a requested
 *   address cannot be given, 108 CHECK finds no lease, 50 STATUS with an exhausted set, 5 lease I/O
 * @example
 * const result = await hostLocal('ADD', ctx); // { cniVersion, ips: [{ address: '192.0.2.2/24', gateway: '192.0.2.1' }] }
 * await hostLocal('DEL', ctx);
 */
export async function hostLocal(
  command: HostLocalCommand,
  ctx: PluginContext,
  ipamConf: Record<string, unknown> | undefined = ctx.config.ipam,
): Promise<Result | undefined> {
  if (command === 'ADD') return add(ctx, ipamConf);
  await { DEL: del, CHECK: check, GC: gc, STATUS: status }[command](ctx, ipamConf); // only ADD has a result
  return undefined;
}

/** The `host-local` executable's handlers (cni/skel.ts). */
export const handlers: Handlers = {
  add: (ctx) => add(ctx, ctx.config.ipam),
  del: (ctx) => del(ctx, ctx.config.ipam),
  check: (ctx) => check(ctx, ctx.config.ipam),
  gc: (ctx) => gc(ctx, ctx.config.ipam),
  status: (ctx) => status(ctx, ctx.config.ipam),
};
