/**
 * A throwaway "host" for netctl: a netns where netctl runs (`ip netns exec HOST dist/bin/netctl`),
 * temp config, cache, lease and firewall dirs, and container namespaces beside it. Deleted in finally.
 */
import { spawn } from 'node:child_process';
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
        ns,
        dir,
        conf,
        cache,
        leases,
        firewall,
        netctl,
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

/** The body of GET / on host:port, from `ns` (netcat-openbsd; busybox wget crashes on this machine). */
export async function httpGet(ns: string, host: string, port: string): Promise<string> {
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, 'nc', '-w', '3', host, port]);
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', () => resolve(out));
    // nc exits at once when the connection is refused (the server not up yet): EPIPE on its stdin is expected.
    child.stdin.on('error', () => {});
    child.stdin.end('GET / HTTP/1.0\r\n\r\n');
  });
  const at = stdout.indexOf('\r\n\r\n');
  return at < 0 ? '' : stdout.slice(at + 4);
}
