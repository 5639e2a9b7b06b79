/** Helpers of the dnsname tests: a DNS lookup from a container namespace, and cleanup of the dnsmasqs a test started. */
import { readdirSync, readFileSync } from 'node:fs';
import { run } from '../../helpers/sandbox';

/** The IPv4 addresses `name` resolves to when `dig` in `ns` asks `server` ([] for none). */
export async function resolve(ns: string, server: string, name: string): Promise<string[]> {
  const r = await run('nsenter', [`--net=/run/netns/${ns}`, 'dig', '+short', '+time=2', '+tries=2', `@${server}`, name, 'A']);
  return r.stdout.split('\n').filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l));
}

/** Kills, by PID, the dnsmasq processes whose config is under `dir` (the test's own temp dir). */
export function killOurDnsmasqs(dir: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('dnsmasq') && cmdline.includes(`--conf-file=${dir}/`)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
}
