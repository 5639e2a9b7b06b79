/**
 * One dnsmasq per network: its files in the network's state directory and the process found by
 * its pid file. A pid is trusted only when /proc/PID/cmdline names this network's config, so a
 * stale pid file never leads to signalling another process.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CniError, ErrCode } from '../cni/errors.js';
import { run } from '../kernel/exec.js';
import { isDnsmasqOf, type DnsmasqFiles, type HostRecord } from './config.js';

const RECORDS = 'records.json';

/** Writes a file whole or not at all (write beside, then rename). */
function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
}

/** The attachments recorded in the network's directory ([] when there is none yet). */
export function readRecords(files: DnsmasqFiles): HostRecord[] {
  try {
    return JSON.parse(readFileSync(join(files.dir, RECORDS), 'utf8')) as HostRecord[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CniError(ErrCode.IOFailure, `cannot read ${JSON.stringify(join(files.dir, RECORDS))}: ${(err as Error).message}`);
  }
}

/** Writes the records, the hosts file rendered from them and, when given, the dnsmasq config. */
export function writeNetworkFiles(files: DnsmasqFiles, records: readonly HostRecord[], hosts: string, conf?: string): void {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  writeAtomic(join(files.dir, RECORDS), JSON.stringify(records));
  writeAtomic(files.hosts, hosts);
  if (conf !== undefined) writeAtomic(files.conf, conf);
}

/**
 * Removes the network's directory. The files are unlinked one by one first: a stopping dnsmasq
 * unlinks its pid file meanwhile, and Bun's recursive rmSync was seen to stop early on that race.
 */
export function removeNetworkFiles(files: DnsmasqFiles): void {
  for (const path of [join(files.dir, RECORDS), files.hosts, files.conf, files.pidFile]) {
    rmSync(path, { force: true });
    rmSync(`${path}.tmp`, { force: true });
  }
  rmSync(files.dir, { recursive: true, force: true });
}

/** The pid of this network's running dnsmasq, or undefined (no pid file, a dead or foreign pid). */
export function runningPid(files: DnsmasqFiles): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(files.pidFile, 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return runsDnsmasqOf(pid, files.conf) ? pid : undefined;
}

/** Whether process `pid` is a dnsmasq of `conf`: not when it is gone, a zombie (no cmdline) or another program. */
function runsDnsmasqOf(pid: number, conf: string): boolean {
  try {
    return isDnsmasqOf(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), conf);
  } catch {
    return false; // no such process
  }
}

/** dnsmasq from PATH, else Debian's /usr/sbin (a runtime's PATH often lacks sbin). */
export function findDnsmasq(path: string | undefined): string | undefined {
  const dirs = [...(path ?? '').split(delimiter).filter((d) => d !== ''), '/usr/sbin', '/sbin'];
  return dirs.map((d) => join(d, 'dnsmasq')).find((p) => existsSync(p));
}

function dnsmasqBinary(path: string | undefined): string {
  const found = findDnsmasq(path);
  if (!found)
    throw new CniError(
      ErrCode.InvalidNetworkConfig,
      'dnsname needs dnsmasq: not found in PATH, /usr/sbin or /sbin (Debian package dnsmasq-base)',
    );
  return found;
}

/**
 * Reloads the hosts file of the network's dnsmasq (SIGHUP), starting dnsmasq when it does not run.
 * dnsmasq daemonizes itself: its first process exits once the daemon listens and wrote the pid
 * file, so it outlives the plugin and any start-up error reaches this call.
 */
export async function reloadOrStart(files: DnsmasqFiles, path: string | undefined): Promise<void> {
  const pid = runningPid(files);
  if (pid !== undefined) {
    process.kill(pid, 'SIGHUP');
    return;
  }
  rmSync(files.pidFile, { force: true });
  try {
    await run(dnsmasqBinary(path), ['-u', 'root', `--conf-file=${files.conf}`]);
  } catch (err) {
    if (err instanceof CniError) throw err;
    throw new CniError(ErrCode.DnsmasqFailure, `cannot start dnsmasq for ${JSON.stringify(files.dir)}: ${(err as Error).message}`);
  }
}

/** How long a stopping dnsmasq gets to exit after SIGTERM before SIGKILL, and after that. */
const STOP_WAIT_MS = 2000;

/**
 * Stops the network's dnsmasq if it runs (SIGTERM to the pid its pid file names, checked first) and
 * waits until it has exited: a next ADD under the same lock starts a new one on the same address,
 * which fails while the old one still holds its sockets.
 */
export function stopDnsmasq(files: DnsmasqFiles): void {
  const pid = runningPid(files);
  if (pid === undefined) return;
  if (signal(pid, 'SIGTERM') && !exitedWithin(pid, files.conf, STOP_WAIT_MS) && signal(pid, 'SIGKILL'))
    exitedWithin(pid, files.conf, STOP_WAIT_MS);
}

/** Sends `sig`; false when the process is gone already. */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    return false;
  }
}

/** Whether dnsmasq `pid` (of `conf`) exits within `ms`, zombie or reaped. */
function exitedWithin(pid: number, conf: string, ms: number): boolean {
  const tick = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 2) {
    if (!runsDnsmasqOf(pid, conf)) return true;
    if (waited >= ms) return false;
    Atomics.wait(tick, 0, 0, 2);
  }
}
