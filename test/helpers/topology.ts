/**
 * The firewall test topology, built with `ip` commands (until the bridge plugin builds it):
 *
 *   outside ns ──veth── host ns (bridge br, gateway 10.<n>.0.1/24, fd00:<n>::1/64) ──veth── container ns(es)
 *   198.51.100.2/24       198.51.100.1/24                                                10.<n>.0.<i>/24
 *   2001:db8:ff::2/64     2001:db8:ff::1/64                                              fd00:<n>::<i>/64
 *
 * The outside has no route to the container subnets: it can only answer what arrives with the
 * host's address (masquerade), or what it is told to route back (see routeBack()).
 * Servers are nc (netcat-openbsd) processes started here and killed by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_STATE_DIR } from '../../firewall/records';
import { createNetns, deleteNetns, run, sh, uniqueName, type RunResult } from './sandbox';

export interface Container {
  ns: string;
  netnsPath: string;
  ifName: string;
  hostVeth: string;
  mac: string;
  v4: string;
  v6: string;
  /** CIDRs as a CNI result has them. */
  cidrs: string[];
}

export interface Topology {
  host: string;
  outside: string;
  bridge: string;
  subnet4: string;
  subnet6: string;
  gw4: string;
  gw6: string;
  hostOut4: string;
  hostOut6: string;
  out4: string;
  out6: string;
  containers: Container[];
  /** Adds a container on the bridge (address index `i`, 2..254). */
  addContainer(i: number): Container;
  /** Lets the outside route the container subnets back through the host (no NAT needed then). */
  routeBack(): void;
}

const ns = (name: string, args: string[]) => sh('ip', ['-n', name, ...args]);

let nets = 0;

/** Builds the topology, runs `fn`, deletes every namespace whatever happens. */
export async function withTopology<T>(fn: (t: Topology) => Promise<T>, opts: { subnetIndex?: number } = {}): Promise<T> {
  const made: string[] = [];
  const mk = () => {
    const n = uniqueName('n');
    createNetns(n);
    made.push(n);
    // No IPv6 DAD: tentative link-local addresses delay neighbour discovery for a second or two.
    sh('ip', ['netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    return n;
  };
  try {
    nets += 1;
    const n = opts.subnetIndex ?? 100 + ((process.pid + nets) % 100);
    const host = mk();
    const outside = mk();
    const bridge = uniqueName('br');
    ns(host, ['link', 'add', bridge, 'type', 'bridge']);
    ns(host, ['addr', 'add', `10.${n}.0.1/24`, 'dev', bridge]);
    ns(host, ['addr', 'add', `fd00:${n}::1/64`, 'dev', bridge, 'nodad']);
    ns(host, ['link', 'set', bridge, 'up']);
    sh('ip', ['netns', 'exec', host, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    const up = uniqueName('up');
    ns(host, ['link', 'add', up, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside]);
    ns(host, ['addr', 'add', '198.51.100.1/24', 'dev', up]);
    ns(host, ['addr', 'add', '2001:db8:ff::1/64', 'dev', up, 'nodad']);
    ns(host, ['link', 'set', up, 'up']);
    ns(outside, ['addr', 'add', '198.51.100.2/24', 'dev', 'eth0']);
    ns(outside, ['addr', 'add', '2001:db8:ff::2/64', 'dev', 'eth0', 'nodad']);
    ns(outside, ['link', 'set', 'eth0', 'up']);
    const t: Topology = {
      host,
      outside,
      bridge,
      subnet4: `10.${n}.0.0/24`,
      subnet6: `fd00:${n}::/64`,
      gw4: `10.${n}.0.1`,
      gw6: `fd00:${n}::1`,
      hostOut4: '198.51.100.1',
      hostOut6: '2001:db8:ff::1',
      out4: '198.51.100.2',
      out6: '2001:db8:ff::2',
      containers: [],
      addContainer(i) {
        const c = mk();
        const hostVeth = uniqueName('v');
        ns(host, ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', c]);
        ns(host, ['link', 'set', hostVeth, 'master', bridge, 'up']);
        // Hairpin, as bridge `hairpinMode: true` sets it: with br_netfilter active (bridge-nf-call-iptables=1),
        // a container's connection to its own mapped port is DNATed at the bridge and must leave by the port it came in.
        ns(host, ['link', 'set', 'dev', hostVeth, 'type', 'bridge_slave', 'hairpin', 'on']);
        ns(c, ['addr', 'add', `10.${n}.0.${i}/24`, 'dev', 'eth0']);
        ns(c, ['addr', 'add', `fd00:${n}::${i}/64`, 'dev', 'eth0', 'nodad']);
        ns(c, ['link', 'set', 'eth0', 'up']);
        ns(c, ['route', 'add', 'default', 'via', `10.${n}.0.1`]);
        ns(c, ['-6', 'route', 'add', 'default', 'via', `fd00:${n}::1`]);
        const mac = JSON.parse(ns(c, ['-j', 'link', 'show', 'eth0']))[0].address as string;
        const ct: Container = {
          ns: c,
          netnsPath: `/run/netns/${c}`,
          ifName: 'eth0',
          hostVeth,
          mac,
          v4: `10.${n}.0.${i}`,
          v6: `fd00:${n}::${i}`,
          cidrs: [`10.${n}.0.${i}/24`, `fd00:${n}::${i}/64`],
        };
        t.containers.push(ct);
        return ct;
      },
      routeBack() {
        ns(outside, ['route', 'add', `10.${n}.0.0/24`, 'via', '198.51.100.1']);
        ns(outside, ['-6', 'route', 'add', `fd00:${n}::/64`, 'via', '2001:db8:ff::1']);
      },
    };
    return await fn(t);
  } finally {
    for (const name of made.reverse()) deleteNetns(name);
  }
}

export interface Server {
  child: ChildProcess;
  /** What the server received and printed (stdout) and its -v lines (stderr: "Connection received on ADDR PORT"). */
  output(): { stdout: string; stderr: string };
  stop(): void;
}

/**
 * Starts `nc -l` in `netns` on `port` (tcp or udp) that answers "pong" to its first client.
 * Killed by PID in stop(); call it in finally.
 */
export async function startServer(
  netns: string,
  port: number,
  opts: { udp?: boolean; v6?: boolean; reply?: string } = {},
): Promise<Server> {
  const args = ['netns', 'exec', netns, 'nc', '-l', '-n', '-v', ...(opts.udp ? ['-u'] : []), ...(opts.v6 ? ['-6'] : ['-4']), String(port)];
  const child = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '',
    stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  child.stdin!.on('error', () => {});
  child.stdin!.write(`${opts.reply ?? 'pong'}\n`);
  // Wait until nc listens ("Listening on" / "Bound on" on stderr) or 2 s.
  for (let i = 0; i < 100 && !/Listening on|Bound on/.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
  return {
    child,
    output: () => ({ stdout, stderr }),
    stop() {
      if (child.exitCode === null && child.pid)
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    },
  };
}

/** Connects from `netns` to addr:port, sends "ping", returns what came back (nc exits after 2 s idle). */
export function connect(netns: string, addr: string, port: number, opts: { udp?: boolean; source?: string } = {}): Promise<RunResult> {
  const args = [
    'netns',
    'exec',
    netns,
    'nc',
    '-n',
    '-w',
    '2',
    ...(opts.udp ? ['-u'] : ['-N']),
    ...(opts.source ? ['-s', opts.source] : []),
    addr,
    String(port),
  ];
  return run('ip', args, { input: 'ping\n' });
}

/** The peer address nc -v reported for the first connection ("Connection received on ADDR PORT"). */
export function peerOf(server: Server): string | undefined {
  return /Connection received on (\S+) \d+/.exec(server.output().stderr)?.[1];
}

/** Waits until the server got a line or `ms` passed. */
export async function waitFor(server: Server, what: RegExp, ms = 3000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 25) {
    if (what.test(server.output().stdout)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return what.test(server.output().stdout);
}

/** Counts elements of Berth's tables in `netns` whose comment contains `needle` (nft -j, an independent oracle). */
export function countElements(netns: string, needle: string): number {
  let count = 0;
  for (const table of ['inet', 'bridge']) {
    let out: string;
    try {
      out = sh('ip', ['netns', 'exec', netns, 'nft', '-j', 'list', 'table', table, 'berth']);
    } catch {
      continue;
    }
    for (const item of JSON.parse(out).nftables) {
      const body = item.set ?? item.map;
      for (const raw of body?.elem ?? []) {
        const el = Array.isArray(raw) ? raw[0] : raw;
        if (typeof el === 'object' && el?.elem?.comment?.includes(needle)) count += 1;
      }
    }
  }
  return count;
}

/**
 * Runs `fn`, then removes the records' directories it named in `made` (under DEFAULT_STATE_DIR), and that
 * directory and /run/berth if empty and not there before: another run may be using them.
 */
export async function withDefaultRecordsDir(fn: (made: string[]) => Promise<void>): Promise<void> {
  const hadBerthRun = existsSync('/run/berth');
  const made: string[] = [];
  try {
    await fn(made);
  } finally {
    for (const name of made) if (name) rmSync(join(DEFAULT_STATE_DIR, name), { recursive: true, force: true });
    for (const dir of hadBerthRun ? [DEFAULT_STATE_DIR] : [DEFAULT_STATE_DIR, '/run/berth'])
      try {
        rmdirSync(dir);
      } catch {
        /* not empty: not ours alone */
      }
  }
}
