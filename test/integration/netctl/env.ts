/**
 * A throwaway "host" for netctl: a netns where netctl runs (`ip netns exec HOST dist/bin/netctl`),
 * temp config, cache, lease and firewall dirs, and container namespaces beside it. Deleted in finally.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, createNetns, deleteNetns, netnsPath, run, uniqueName, withTempDir, type RunResult } from '../../helpers/sandbox';

export const NETCTL = join(BIN_DIR, 'netctl');

export interface Host {
  ns: string;
  dir: string;
  conf: string;
  cache: string;
  leases: string;
  firewall: string;
  /** Runs netctl in the host netns with the temp dirs, PATH as its only env variable. */
  netctl(...args: string[]): Promise<RunResult>;
  /** `netctl create` with the temp lease and firewall dirs. */
  create(name: string, ...args: string[]): Promise<RunResult>;
  /** A new container netns (deleted with the host). */
  container(): string;
  path(ns: string): string;
}

export async function withHost(fn: (h: Host) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const made: string[] = [];
    const ns = uniqueName('h');
    try {
      createNetns(ns);
      made.push(ns);
      const [conf, cache, leases, firewall] = ['conf', 'cache', 'leases', 'fw'].map((d) => join(dir, d));
      mkdirSync(conf);
      const netctl = (...args: string[]) => run('ip', ['netns', 'exec', ns, NETCTL, '--config-dir', conf, '--cache-dir', cache, ...args]);
      await fn({
        ns, dir, conf, cache, leases, firewall, netctl,
        create: (name, ...args) => netctl('create', name, '--lease-dir', leases, '--firewall-dir', firewall, ...args),
        container() {
          const c = uniqueName('c');
          createNetns(c);
          made.push(c);
          return c;
        },
        path: netnsPath,
      });
    } finally {
      for (const n of made.reverse()) deleteNetns(n);
    }
  });
}

/** Asserts a successful run, showing its output otherwise. */
export function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`expected exit 0, got ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

/** One ping from netns `from` to `to`; true when answered. */
export async function pings(from: string, to: string): Promise<boolean> {
  return (await run('ip', ['netns', 'exec', from, 'ping', '-c', '1', '-W', '1', to])).code === 0;
}
