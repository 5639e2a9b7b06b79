/**
 * The dnsname plugin (chained after bridge): one dnsmasq per network answers for the containers'
 * names and aliases under domainName on the bridge's addresses. Each network has its own dnsmasq
 * and hosts file, so a container of another network cannot resolve them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lenientString, type KeySchema } from '../cni/keys.js';
import { CniError, ErrCode } from '../cni/errors.js';
import { requirePrevResult, type Handlers, type PluginContext } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { validAttachments } from '../cni/valid-attachments.js';
import validate from '../gen/dnsname.js';
import { lockRemovableFile } from '../kernel/flock.js';
import {
  aliasesOf,
  bridgeOf,
  containerIpsOf,
  DEFAULT_STATE_DIR,
  filesOf,
  gatewaysOf,
  parseDnsnameConf,
  podNameOf,
  renderDnsmasqConf,
  renderHosts,
  renderResult,
  withoutAttachment,
  type DnsmasqFiles,
  type HostRecord,
} from './config.js';
import { findDnsmasq, readRecords, reloadOrStart, removeNetworkFiles, runningPid, stopDnsmasq, writeNetworkFiles } from './dnsmasq.js';

/** stateDir from the config without validating the rest (DEL and GC work with any config), else the reference's default. */
function stateDirOf(ctx: PluginContext): string {
  const dir = lenientString(ctx.config, validate.schema as KeySchema, 'stateDir');
  if (dir !== undefined) return dir;
  const xdg = ctx.env.XDG_RUNTIME_DIR;
  return xdg ? join(xdg, 'containers/cni/dnsname') : DEFAULT_STATE_DIR;
}

/**
 * Runs `fn` with the network's files under the network's lock (a file beside its directory). The
 * lock file goes with the directory: once the last container left (dnsmasq stopped), or when none came.
 */
async function withNetwork<T>(ctx: PluginContext, fn: (files: DnsmasqFiles) => Promise<T>): Promise<T> {
  const root = stateDirOf(ctx);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const lock = lockRemovableFile(join(root, `${ctx.config.name}.lock`));
  const dir = join(root, ctx.config.name);
  try {
    return await fn(filesOf(dir));
  } finally {
    if (existsSync(dir)) lock.release();
    else lock.releaseAndRemove();
  }
}

/** Keeps `records`: the last one gone stops dnsmasq and removes the directory; otherwise dnsmasq reloads. */
function keepRecords(files: DnsmasqFiles, records: HostRecord[]): void {
  if (records.length === 0) {
    stopDnsmasq(files);
    removeNetworkFiles(files);
    return;
  }
  writeNetworkFiles(files, records, renderHosts(records));
  const pid = runningPid(files);
  if (pid !== undefined) process.kill(pid, 'SIGHUP');
}

async function add(ctx: PluginContext): Promise<Result> {
  const conf = parseDnsnameConf(ctx.config, validate);
  const prev = requirePrevResult(ctx, 'dnsname', 'ADD');
  if (ctx.argsError) throw ctx.argsError;
  const record: HostRecord = {
    containerId: ctx.containerId,
    ifName: ctx.ifName,
    name: podNameOf(ctx.args),
    aliases: aliasesOf(conf),
    ips: containerIpsOf(prev),
  };
  const bridge = bridgeOf(prev);
  await withNetwork(ctx, async (files) => {
    const before = readRecords(files);
    const records = [...withoutAttachment(before, ctx.containerId, ctx.ifName), record];
    writeNetworkFiles(files, records, renderHosts(records), renderDnsmasqConf(files, conf.domainName, bridge));
    try {
      await reloadOrStart(files, ctx.env.PATH);
    } catch (err) {
      keepRecords(files, before); // ADD undoes itself: the hosts file as it was
      throw err;
    }
  });
  return renderResult(prev, gatewaysOf(prev), conf.domainName);
}

async function del(ctx: PluginContext): Promise<void> {
  await withNetwork(ctx, async (files) => {
    const before = readRecords(files);
    const after = withoutAttachment(before, ctx.containerId, ctx.ifName);
    if (after.length !== before.length || after.length === 0) keepRecords(files, after);
  });
}

async function check(ctx: PluginContext): Promise<void> {
  parseDnsnameConf(ctx.config, validate);
  requirePrevResult(ctx, 'dnsname', 'CHECK');
  await withNetwork(ctx, async (files) => {
    if (!readRecords(files).some((r) => r.containerId === ctx.containerId && r.ifName === ctx.ifName))
      throw new CniError(
        ErrCode.CheckFailed,
        `dnsname has no record of container ${JSON.stringify(ctx.containerId)} on network ${JSON.stringify(ctx.config.name)}`,
      );
    for (const path of [files.conf, files.hosts])
      if (!existsSync(path)) throw new CniError(ErrCode.CheckFailed, `dnsname file ${JSON.stringify(path)} is missing`);
    if (runningPid(files) === undefined)
      throw new CniError(ErrCode.CheckFailed, `the dnsmasq of network ${JSON.stringify(ctx.config.name)} is not running`);
  });
}

async function gc(ctx: PluginContext): Promise<void> {
  const valid = validAttachments(ctx.config);
  await withNetwork(ctx, async (files) => {
    const before = readRecords(files);
    const after = before.filter((r) => valid.some((a) => a.containerID === r.containerId && a.ifname === r.ifName));
    if (after.length !== before.length || after.length === 0) keepRecords(files, after);
  });
}

export const handlers: Handlers = {
  add,
  del,
  check,
  gc,
  async status(ctx) {
    if (findDnsmasq(ctx.env.PATH) === undefined) throw new CniError(ErrCode.NotAvailable, 'dnsname cannot ADD: dnsmasq is not installed');
  },
};
