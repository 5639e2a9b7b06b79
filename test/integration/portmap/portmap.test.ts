import { test } from 'uvu';
import { existsSync, readdirSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { cniEnv, isRoot, run, runPluginIn, sh, withTempDir } from '../../helpers/sandbox';
import {
  connect,
  countElements,
  peerOf,
  startServer,
  withTopology,
  type Container,
  type Server,
  type Topology,
  withDefaultRecordsDir,
} from '../../helpers/topology';
import { DEFAULT_STATE_DIR } from '../../../firewall/records';

const it = isRoot ? test : test.skip;

function prevResultOf(t: Topology, c: Container) {
  return {
    cniVersion: '1.0.0',
    interfaces: [
      { name: t.bridge, mac: '02:00:00:00:00:01' },
      { name: c.hostVeth, mac: '02:00:00:00:00:02' },
      { name: 'eth0', mac: c.mac, sandbox: c.netnsPath },
    ],
    ips: [
      { address: c.cidrs[0], gateway: t.gw4, interface: 2 },
      { address: c.cidrs[1], gateway: t.gw6, interface: 2 },
    ],
  };
}

function confOf(t: Topology, c: Container | undefined, dir: string, portMappings?: unknown[], extra: object = {}) {
  return {
    cniVersion: '1.0.0',
    name: 'web',
    type: 'portmap',
    firewallDir: dir,
    capabilities: { portMappings: true },
    ...(portMappings && { runtimeConfig: { portMappings } }),
    ...(c && { prevResult: prevResultOf(t, c) }),
    ...extra,
  };
}

const envOf = (cmd: string, c: Container, id: string) => cniEnv(cmd, id, c.ns);

/** portmap `cmd` of container `c` (ID `id`) with `portMappings`, run in t's host. */
const portmapIn = (t: Topology, cmd: string, c: Container, id: string, dir: string, portMappings?: unknown[]) =>
  runPluginIn(t.host, 'portmap', envOf(cmd, c, id), confOf(t, c, dir, portMappings));

/** Serves "pong" from `c` on `port`, connects from `from` to addr:hostPort, returns [answered, peer seen by the server]. */
async function probe(
  serverNs: string,
  port: number,
  from: string,
  addr: string,
  hostPort: number,
  opts: { udp?: boolean; v6?: boolean } = {},
): Promise<[boolean, string | undefined]> {
  let server: Server | undefined;
  try {
    server = await startServer(serverNs, port, opts);
    const r = await connect(from, addr, hostPort, { udp: opts.udp });
    return [/pong/.test(r.stdout), peerOf(server)];
  } finally {
    server?.stop();
  }
}

const MAPPINGS = [
  { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
  { hostPort: 8053, containerPort: 53, protocol: 'udp' },
  { hostPort: 9090, containerPort: 90, protocol: 'tcp', hostIP: '198.51.100.1' },
];

it('portmap ADD: TCP and UDP from outside (v4, v6), from localhost, by hairpin; hostIP honoured; DEL removes every element', async () => {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      const c2 = t.addContainer(3);
      sh('ip', [
        '-n',
        t.host,
        'addr',
        'add',
        '198.51.100.3/24',
        'dev',
        JSON.parse(sh('ip', ['-n', t.host, '-j', 'route', 'get', t.out4]))[0].dev,
      ]);
      const r = await portmapIn(t, 'ADD', c1, 'c1', dir, MAPPINGS);
      assert.is(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.json, prevResultOf(t, c1), 'prevResult passed through');

      let [ok, peer] = await probe(c1.ns, 80, t.outside, t.hostOut4, 8080);
      assert.ok(ok, 'tcp from outside');
      assert.is(peer, t.out4, 'the outside client keeps its source address');
      [ok] = await probe(c1.ns, 80, t.outside, t.hostOut6, 8080, { v6: true });
      assert.ok(ok, 'tcp over IPv6 from outside');
      [ok] = await probe(c1.ns, 53, t.outside, t.hostOut4, 8053, { udp: true });
      assert.ok(ok, 'udp from outside');
      [ok] = await probe(c1.ns, 80, t.host, '127.0.0.1', 8080);
      assert.ok(ok, 'tcp from the host to 127.0.0.1');
      const localnet = `/proc/sys/net/ipv4/conf/${t.bridge}/route_localnet`; // set over rtnetlink, read back through /proc
      assert.is(sh('nsenter', [`--net=/run/netns/${t.host}`, 'cat', localnet]).trim(), '1');
      [ok] = await probe(c1.ns, 80, t.host, t.hostOut4, 8080);
      assert.ok(ok, 'tcp from the host to its own address');
      [ok, peer] = await probe(c1.ns, 80, c2.ns, t.hostOut4, 8080);
      assert.ok(ok, 'hairpin from another container on the bridge');
      assert.is(peer, t.gw4, 'hairpin traffic is masqueraded to the gateway');
      [ok] = await probe(c1.ns, 80, c1.ns, t.hostOut4, 8080);
      assert.ok(ok, "hairpin to the container's own mapped port");
      [ok] = await probe(c1.ns, 90, t.outside, '198.51.100.1', 9090);
      assert.ok(ok, 'hostIP mapping on its address');
      [ok] = await probe(c1.ns, 90, t.outside, '198.51.100.3', 9090);
      assert.not.ok(ok, 'hostIP mapping not on another host address');

      const check = await portmapIn(t, 'CHECK', c1, 'c1', dir, MAPPINGS);
      assert.is(check.code, 0, check.stdout);
      assert.ok(countElements(t.host, 'web/c1/eth0') > 0);

      // DEL without prevResult and without runtimeConfig, with the netns gone: from the records
      const delFromRecords = () => runPluginIn(t.host, 'portmap', cniEnv('DEL', 'c1', ''), confOf(t, undefined, dir));
      const del = await delFromRecords();
      assert.is(del.code, 0, del.stdout);
      assert.is(countElements(t.host, 'web/c1/'), 0);
      const again = await delFromRecords();
      assert.is(again.code, 0, again.stdout);
      [ok] = await probe(c1.ns, 80, t.outside, t.hostOut4, 8080);
      assert.not.ok(ok, 'unreachable after DEL');
      const failed = await portmapIn(t, 'CHECK', c1, 'c1', dir, MAPPINGS);
      assert.is(failed.json?.code, 108);
    }),
  );
});

it('portmap ADD takes runtimeConfig as containerd 1.6 sends it (Go field names: HostPort, ContainerPort, Protocol, HostIP)', async () => {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      const goSpelled = [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }];
      // Berth's own keys are matched the same way, by DEL too (which validates nothing).
      const { firewallDir, ...rest } = confOf(t, c1, dir, goSpelled);
      const conf = { ...rest, FirewallDir: firewallDir };
      const r = await runPluginIn(t.host, 'portmap', envOf('ADD', c1, 'c1'), conf);
      assert.is(r.code, 0, r.stdout + r.stderr);
      const [ok] = await probe(c1.ns, 80, t.outside, t.hostOut4, 8080);
      assert.ok(ok, 'tcp from outside');
      assert.is((await runPluginIn(t.host, 'portmap', envOf('CHECK', c1, 'c1'), conf)).code, 0);
      assert.is((await runPluginIn(t.host, 'portmap', envOf('DEL', c1, 'c1'), conf)).code, 0);
      assert.is(countElements(t.host, 'web/c1/'), 0);
    }),
  );
});

it('portmap ADD refuses a host port mapped by another container (106) and bad ports (7)', async () => {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      const c2 = t.addContainer(3);
      assert.is((await portmapIn(t, 'ADD', c1, 'c1', dir, [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }])).code, 0);
      const clash = await portmapIn(t, 'ADD', c2, 'c2', dir, [{ hostPort: 8080, containerPort: 81, protocol: 'tcp' }]);
      assert.is(clash.json?.code, 106);
      assert.is(clash.json?.msg, 'cannot map host port 8080/tcp: already mapped for container "c1" (interface "eth0" on network "web")');
      assert.is(countElements(t.host, 'web/c2/'), 0, 'a refused ADD leaves nothing');
      const udp = await portmapIn(t, 'ADD', c2, 'c2', dir, [{ hostPort: 8080, containerPort: 81, protocol: 'udp' }]);
      assert.is(udp.code, 0, 'same port, other protocol');
      const again = await portmapIn(t, 'ADD', c1, 'c1', dir, [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
      assert.is(again.code, 0, 'the same container may ADD again');
      const sctp = await portmapIn(t, 'ADD', c2, 'c4', dir, [
        { hostPort: 3868, containerPort: 3868, protocol: 'SCTP', hostIP: '2001:db8:ff::1' },
      ]);
      assert.is(sctp.code, 0, sctp.stdout);
      assert.match(
        sh('ip', ['netns', 'exec', t.host, 'nft', 'list', 'map', 'inet', 'berth', 'hostip6']),
        /2001:db8:ff::1 \. sctp \. 3868 comment "web\/c4\/eth0" : fd00:\d+::3 \. 3868/,
      );
      for (const [m, code, msg] of [
        [{ hostPort: 70000, containerPort: 80 }, 7, /hostPort 70000 is outside 1-65535$/],
        [{ hostPort: 0, containerPort: 80 }, 7, /hostPort 0 is outside 1-65535$/],
        [{ hostPort: 80, containerPort: 65536 }, 7, /containerPort 65536 is outside 1-65535$/],
        [{ hostPort: 80, containerPort: 80, protocol: 'icmp' }, 7, /protocol "icmp" is not tcp, udp or sctp$/],
        [{ hostPort: 80, containerPort: 80, hostIP: 'nope' }, 7, /hostIP "nope" is not an IP address$/],
      ] as const) {
        const r = await portmapIn(t, 'ADD', c2, 'c3', dir, [m]);
        assert.is(r.json?.code, code, JSON.stringify(m));
        assert.match(r.json?.msg, msg);
      }
      const ext = await runPluginIn(
        t.host,
        'portmap',
        envOf('ADD', c2, 'c3'),
        confOf(t, c2, dir, [{ hostPort: 81, containerPort: 80 }], { externalSetMarkChain: 'KUBE-MARK-MASQ' }),
      );
      assert.is(ext.json?.code, 2);
      const both = await runPluginIn(
        t.host,
        'portmap',
        envOf('ADD', c2, 'c3'),
        confOf(t, c2, dir, [{ hostPort: 81, containerPort: 80 }], { externalSetMarkChain: 'X', markMasqBit: 13 }),
      );
      assert.is(both.json?.code, 7);
      const noPrev = await runPluginIn(
        t.host,
        'portmap',
        envOf('ADD', c2, 'c3'),
        confOf(t, undefined, dir, [{ hostPort: 81, containerPort: 80 }]),
      );
      assert.is(noPrev.json?.code, 7);
    }),
  );
});

it('portmap ADD flushes a stale UDP conntrack entry of the host port, so the mapping works at once; DEL flushes it again; other ports keep theirs', async () => {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      const send = (port = 8053) =>
        run('ip', ['netns', 'exec', t.outside, 'nc', '-n', '-u', '-w', '1', '-p', '5555', t.hostOut4, String(port)], { input: 'ping\n' });
      const flows = (port: number) => sh('ip', ['netns', 'exec', t.host, 'conntrack', '-L', '-p', 'udp', '--orig-port-dst', String(port)]);
      // conntrack runs in a netns only once some ruleset needs it: map another port first
      assert.is((await portmapIn(t, 'ADD', c1, 'other', dir, [{ hostPort: 9999, containerPort: 99, protocol: 'tcp' }])).code, 0);
      await send(); // 8053 not mapped yet: the host itself answers (port unreachable), conntrack keeps the flow
      await send(8054);
      assert.match(flows(8053), /dport=8053/);
      assert.match(flows(8054), /dport=8054/);
      const r = await portmapIn(t, 'ADD', c1, 'c1', dir, [{ hostPort: 8053, containerPort: 53, protocol: 'udp' }]);
      assert.is(r.code, 0, r.stdout);
      assert.not.match(flows(8053), /dport=8053/, 'the stale entry is gone');
      assert.match(flows(8054), /dport=8054/, 'another port keeps its entry');
      let server: Server | undefined;
      try {
        server = await startServer(c1.ns, 53, { udp: true });
        const again = await send();
        assert.match(again.stdout, /pong/, 'the same client flow reaches the container');
        assert.match(flows(8053), /dport=8053/, 'the flow through the mapping is tracked');
        const d = await portmapIn(t, 'DEL', c1, 'c1', dir, [{ hostPort: 8053, containerPort: 53, protocol: 'udp' }]);
        assert.is(d.code, 0, d.stdout);
        assert.not.match(flows(8053), /dport=8053/, 'DEL flushed the flow to the gone container');
      } finally {
        server?.stop();
      }
    }),
  );
});

it('portmap through the nft program (BERTH_NFT=program): ADD, CHECK, conflict, DEL', async () => {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      const c2 = t.addContainer(3);
      const prog = (e: Record<string, string>) => ({ ...e, BERTH_NFT: 'program' });
      const m = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }];
      assert.is((await runPluginIn(t.host, 'portmap', prog(envOf('ADD', c1, 'c1')), confOf(t, c1, dir, m))).code, 0);
      assert.is((await runPluginIn(t.host, 'portmap', prog(envOf('CHECK', c1, 'c1')), confOf(t, c1, dir, m))).code, 0);
      assert.is((await runPluginIn(t.host, 'portmap', prog(envOf('ADD', c2, 'c2')), confOf(t, c2, dir, m))).json?.code, 106);
      const [ok] = await probe(c1.ns, 80, t.outside, t.hostOut4, 8080);
      assert.ok(ok);
      assert.is((await runPluginIn(t.host, 'portmap', prog(envOf('DEL', c1, 'c1')), confOf(t, undefined, dir))).code, 0);
      assert.is(countElements(t.host, 'web/'), 0);
    }),
  );
});

it('portmap maps a range of 1000 ports (podman -p 20000-20999:30000-30999): as the first ADD (the layout made by libnftables), through netlink and through the nft program; a duplicated entry is one mapping', async () => {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      const m = Array.from({ length: 1000 }, (_, i) => ({ hostPort: 20000 + i, containerPort: 30000 + i, protocol: 'tcp' }));
      // The first ADD finds no table and applies the layout and the elements as one nft script; a
      // DEL leaves the table, so the second goes straight over netlink (kernel/nf-netlink.ts).
      for (const [label, extra] of [
        ['first', {}],
        ['netlink', {}],
        ['program', { BERTH_NFT: 'program' }],
      ] as const) {
        const add = await runPluginIn(t.host, 'portmap', { ...envOf('ADD', c1, 'c1'), ...extra }, confOf(t, c1, dir, [...m, m[999]]));
        assert.is(add.code, 0, `${label}: ${add.stdout}`);
        assert.is(countElements(t.host, 'web/c1/'), 2002, label); // 1000 per family, and a hairpin SNAT element per family
        assert.is((await runPluginIn(t.host, 'portmap', { ...envOf('CHECK', c1, 'c1'), ...extra }, confOf(t, c1, dir, m))).code, 0, label);
        for (const i of [0, 999]) {
          const [ok] = await probe(c1.ns, 30000 + i, t.outside, t.hostOut4, 20000 + i);
          assert.ok(ok, `${label}: host port ${20000 + i}`);
        }
        assert.is(
          (await runPluginIn(t.host, 'portmap', { ...envOf('DEL', c1, 'c1'), ...extra }, confOf(t, undefined, dir))).code,
          0,
          label,
        );
        assert.is(countElements(t.host, 'web/'), 0, label);
      }
    }),
  );
});

it('portmap with the default firewallDir keeps its records per network namespace', async () => {
  await withTopology(async (t) => {
    const c1 = t.addContainer(2);
    const inode = sh('nsenter', [`--net=/run/netns/${t.host}`, 'stat', '-L', '-c', '%i', '/proc/self/ns/net']).trim();
    // netns:<inode>:<cookie> (firewall/netns-dirs.ts); the cookie is not visible from outside, so found by its inode.
    const nameOf = () => readdirSync(DEFAULT_STATE_DIR).find((name) => name.startsWith(`netns:${inode}:`));
    await withDefaultRecordsDir(async (made) => {
      const conf = { ...confOf(t, c1, 'unused', [{ hostPort: 8080, containerPort: 80 }]) } as Record<string, unknown>;
      delete conf.firewallDir;
      const add = await runPluginIn(t.host, 'portmap', envOf('ADD', c1, 'c1'), conf);
      const name = nameOf();
      if (name) made.push(name); // only this test's namespace's directory
      assert.is(add.code, 0, add.stdout);
      const dir = `${DEFAULT_STATE_DIR}/${name}`;
      assert.ok(name && existsSync(`${dir}/web/c1@eth0.json`));
      delete conf.prevResult;
      assert.is((await runPluginIn(t.host, 'portmap', { ...envOf('DEL', c1, 'c1'), CNI_NETNS: '' }, conf)).code, 0);
      assert.not.ok(existsSync(`${dir}/web/c1@eth0.json`));
      assert.is(countElements(t.host, 'web/'), 0);
    });
  });
});

it('portmap: parallel ADDs racing for one host port: exactly one wins, the others get 106', async () => {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const cs = [2, 3, 4, 5, 6, 7].map((i) => t.addContainer(i));
      const rs = await Promise.all(cs.map((c, i) => portmapIn(t, 'ADD', c, `r${i}`, dir, [{ hostPort: 7777, containerPort: 80 }])));
      assert.is(rs.filter((r) => r.code === 0).length, 1, rs.map((r) => r.stdout).join(''));
      assert.equal(
        rs.filter((r) => r.code !== 0).map((r) => r.json?.code),
        [106, 106, 106, 106, 106],
      );
      assert.is(
        JSON.parse(sh('ip', ['netns', 'exec', t.host, 'nft', '-j', 'list', 'map', 'inet', 'berth', 'hostport4'])).nftables[1].map.elem
          .length,
        1,
      );
    }),
  );
});

it('portmap GC removes the state of attachments not in cni.dev/valid-attachments; STATUS ok', async () => {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      const c2 = t.addContainer(3);
      assert.is((await portmapIn(t, 'ADD', c1, 'c1', dir, [{ hostPort: 8080, containerPort: 80 }])).code, 0);
      assert.is((await portmapIn(t, 'ADD', c2, 'c2', dir, [{ hostPort: 8081, containerPort: 80, protocol: 'udp' }])).code, 0);
      const gc = await runPluginIn(
        t.host,
        'portmap',
        { CNI_COMMAND: 'GC' },
        { ...confOf(t, undefined, dir), cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'c2', ifname: 'eth0' }] },
      );
      assert.is(gc.code, 0, gc.stdout);
      assert.is(countElements(t.host, 'web/c1/'), 0);
      assert.ok(countElements(t.host, 'web/c2/eth0') > 0);
      const status = await runPluginIn(t.host, 'portmap', { CNI_COMMAND: 'STATUS' }, { ...confOf(t, undefined, dir), cniVersion: '1.1.0' });
      assert.is(status.code, 0);
      const [ok] = await probe(c2.ns, 80, t.outside, t.hostOut4, 8081, { udp: true });
      assert.ok(ok, 'the valid attachment still works');
    }),
  );
});

it('portmap GC without a valid-attachments list, or with a malformed one, is refused with code 7 and removes nothing', async () => {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      assert.is((await portmapIn(t, 'ADD', c1, 'c1', dir, [{ hostPort: 8080, containerPort: 80 }])).code, 0);
      const before = countElements(t.host, 'web/c1/eth0');
      assert.ok(before > 0);
      const lists = [undefined, {}, 'c1', [{ containerID: 'c1' }], [null]];
      for (const list of lists) {
        const gc = await runPluginIn(
          t.host,
          'portmap',
          { CNI_COMMAND: 'GC' },
          { ...confOf(t, undefined, dir), cniVersion: '1.1.0', ...(list !== undefined && { 'cni.dev/valid-attachments': list }) },
        );
        assert.is(gc.json?.code, 7, `${JSON.stringify(list)}: ${gc.stdout}`);
        assert.match(gc.json.msg, /valid-attachments/);
      }
      assert.is(countElements(t.host, 'web/c1/eth0'), before, 'every element is still there');
      const [ok] = await probe(c1.ns, 80, t.outside, t.hostOut4, 8080);
      assert.ok(ok, 'the mapping still works');
    }),
  );
});

test.run();
