/**
 * A throwaway "host" netns where `berth network ...` and `netctl` run against the same temp dirs
 * (config, cache, state), and container namespaces beside it. Everything is deleted in finally,
 * the dnsmasqs a network started included.
 */
import { join } from 'node:path';
import { BIN_DIR, createNetns, deleteNetns, run, uniqueName, withTempDir, type RunResult } from '../../helpers/sandbox';
import { killOurDnsmasqs } from '../dnsname/dns';

export interface NetHost {
  ns: string;
  dir: string;
  conf: string;
  cache: string;
  state: string;
  berth(...args: string[]): Promise<RunResult>;
  netctl(...args: string[]): Promise<RunResult>;
  /** A new container netns, deleted with the host. */
  container(): string;
  /** `nft -j list ruleset` of the host netns, parsed. */
  ruleset(): Promise<any[]>;
}

export async function withNetHost(fn: (h: NetHost) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const ns = uniqueName('bh');
    const made: string[] = [];
    const [conf, cache, state] = ['conf', 'cache', 'state'].map((d) => join(dir, d));
    const inHost = (cmd: string, args: string[]) => run('nsenter', [`--net=/run/netns/${ns}`, cmd, ...args]);
    try {
      createNetns(ns);
      made.push(ns);
      await fn({
        ns,
        dir,
        conf,
        cache,
        state,
        berth: (...args) =>
          inHost(join(BIN_DIR, 'berth'), [
            ...['--root', join(dir, 'root'), '--state-dir', state],
            ...['--cni-config-dir', conf, '--cni-cache-dir', cache],
            ...args,
          ]),
        netctl: (...args) => inHost(join(BIN_DIR, 'netctl'), ['--config-dir', conf, '--cache-dir', cache, ...args]),
        container() {
          const c = uniqueName('bc');
          createNetns(c);
          made.push(c);
          return c;
        },
        ruleset: async () => JSON.parse((await inHost('nft', ['-j', 'list', 'ruleset'])).stdout).nftables,
      });
    } finally {
      killOurDnsmasqs(dir);
      for (const n of made.reverse()) deleteNetns(n);
    }
  });
}
