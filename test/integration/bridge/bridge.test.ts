import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  addrsOf,
  BIN_DIR,
  cniEnv,
  ipJson,
  isRoot,
  linkOf,
  netnsPath,
  ROOT_DIR,
  runIn,
  runPluginIn,
  sh,
  uniqueName,
  withNetns,
  withTempDir,
} from '../../helpers/sandbox';

const bridge = suite('bridge + host-local (built executables, real namespaces)');
const it = isRoot ? bridge : bridge.skip;

interface Net {
  host: string;
  dataDir: string;
  br: string;
}

function conf(net: Net, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}) {
  return {
    cniVersion: '1.0.0',
    name: 'btest',
    type: 'bridge',
    bridge: net.br,
    isGateway: true,
    firewallDir: join(net.dataDir, 'fw'),
    ipam: { type: 'host-local', dataDir: net.dataDir, ranges: [[{ subnet: '10.250.0.0/24' }]], ...ipam },
    ...extra,
  };
}

const env = (command: string, id: string, ns: string, ifName = 'eth0', extra: Record<string, string> = {}) => ({
  ...cniEnv(command, id, ns, ifName),
  ...extra,
});

/** A host namespace (with forwarding off, as a fresh host has), a lease dir and a unique bridge name. */
async function withHost(fn: (net: Net, ...containers: string[]) => Promise<void>, containers = 1): Promise<void> {
  await withTempDir(async (dataDir) => {
    await withNetns(containers + 1, async (host, ...cs) => fn({ host, dataDir, br: uniqueName('br') }, ...cs));
  });
}

const leaseFiles = (net: Net) => {
  const dir = join(net.dataDir, 'btest');
  // Lease files are named by address; the store's other files are "lock" and "last_reserved_ip.N".
  return existsSync(dir) ? readdirSync(dir).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip') && !f.startsWith('.')) : [];
};

it('ADD wires a container to a new bridge: result shape, addresses, gateway, forwarding', async () => {
  await withHost(async (net, c1) => {
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net, { isDefaultGateway: true }));
    assert.is(r.code, 0, r.stdout + r.stderr);
    const res = r.json;
    assert.is(res.cniVersion, '1.0.0');
    assert.is(res.interfaces.length, 3);
    assert.is(res.interfaces[0].name, net.br);
    assert.match(res.interfaces[1].name, /^veth[0-9a-f]{10}$/);
    assert.equal(Object.keys(res.interfaces[2]).sort(), ['mac', 'name', 'sandbox']);
    assert.is(res.interfaces[2].sandbox, netnsPath(c1));
    assert.equal(res.ips, [{ address: '10.250.0.2/24', gateway: '10.250.0.1', interface: 2 }]);
    assert.equal(res.routes, [{ dst: '0.0.0.0/0', gw: '10.250.0.1' }]);
    // Kernel state, read back with ip -j.
    assert.equal(
      addrsOf(c1, 'eth0').filter((a) => !a.startsWith('fe80')),
      ['10.250.0.2/24'],
    );
    assert.equal(
      addrsOf(net.host, net.br).filter((a) => !a.startsWith('fe80')),
      ['10.250.0.1/24'],
    );
    const veth = linkOf(net.host, res.interfaces[1].name);
    assert.is(veth.master, net.br);
    assert.is(linkOf(c1, 'eth0').address, res.interfaces[2].mac);
    assert.is(linkOf(net.host, net.br).address, res.interfaces[0].mac);
    const routes = ipJson(c1, ['route', 'show', 'default']);
    assert.is(routes[0].gateway, '10.250.0.1');
    assert.is(sh('ip', ['netns', 'exec', net.host, 'cat', '/proc/sys/net/ipv4/ip_forward']).trim(), '1');
    assert.is(sh('ip', ['netns', 'exec', c1, 'cat', '/proc/sys/net/ipv4/conf/eth0/arp_notify']).trim(), '1');
    const ping = await runIn(c1, 'ping', ['-c', '1', '-W', '2', '10.250.0.1']);
    assert.is(ping.code, 0, ping.stdout);
  });
});

it('two containers on one bridge reach each other over IPv4 and IPv6', async () => {
  await withHost(async (net, c1, c2) => {
    const dual = conf(net, {}, { ranges: [[{ subnet: '10.250.0.0/24' }], [{ subnet: 'fd00:250::/64' }]] });
    const a = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), dual);
    const b = await runPluginIn(net.host, 'bridge', env('ADD', 'c2', c2), dual);
    assert.is(a.code, 0, a.stdout);
    assert.is(b.code, 0, b.stdout);
    const [b4, b6] = b.json.ips.map((ip: any) => ip.address.split('/')[0]);
    assert.is(sh('ip', ['netns', 'exec', c1, 'cat', '/proc/sys/net/ipv6/conf/eth0/accept_dad']).trim(), '0');
    const p4 = await runIn(c1, 'ping', ['-c', '1', '-W', '2', b4]);
    assert.is(p4.code, 0, p4.stdout);
    const p6 = await runIn(c1, 'ping', ['-6', '-c', '1', '-W', '2', b6]);
    assert.is(p6.code, 0, p6.stdout);
    const gw6 = await runIn(c1, 'ping', ['-6', '-c', '1', '-W', '2', 'fd00:250::1']);
    assert.is(gw6.code, 0, gw6.stdout);
    // The host sides of the pairs are bridge ports with no IPv6 address of their own (no link-local),
    // while the container sides and the bridge keep theirs.
    for (const r of [a, b]) {
      const veth = r.json.interfaces[1].name;
      assert.equal(
        ipJson(net.host, ['-6', 'addr', 'show', 'dev', veth]).flatMap((l: any) => l.addr_info ?? []),
        [],
        veth,
      );
      assert.is(ipJson(net.host, ['-d', 'link', 'show', 'dev', veth])[0].inet6_addr_gen_mode, 'none', veth);
    }
    assert.ok(ipJson(c1, ['-6', 'addr', 'show', 'dev', 'eth0'])[0].addr_info.some((x: any) => x.scope === 'link'));
  }, 2);
});

it('mtu applies to the bridge, both veth ends, and carries full-size packets', async () => {
  await withHost(async (net, c1, c2) => {
    const c = conf(net, { mtu: 1280 });
    assert.is((await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), c)).code, 0);
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c2', c2), c);
    assert.is(linkOf(net.host, net.br).mtu, 1280);
    assert.is(linkOf(net.host, r.json.interfaces[1].name).mtu, 1280);
    assert.is(linkOf(c2, 'eth0').mtu, 1280);
    const ping = await runIn(c1, 'ping', ['-c', '1', '-W', '2', '-M', 'do', '-s', String(1280 - 28), '10.250.0.3']);
    assert.is(ping.code, 0, ping.stdout);
    const tooBig = await runIn(c1, 'ping', ['-c', '1', '-W', '1', '-M', 'do', '-s', String(1280 - 27), '10.250.0.3']);
    assert.is.not(tooBig.code, 0);
  }, 2);
});

it('DEL removes the veth and the lease, keeps the bridge, and is idempotent', async () => {
  await withHost(async (net, c1) => {
    const added = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net));
    const veth = added.json.interfaces[1].name;
    assert.is(leaseFiles(net).length, 1);
    const del = await runPluginIn(net.host, 'bridge', env('DEL', 'c1', c1), { ...conf(net), prevResult: added.json });
    assert.is(del.code, 0, del.stdout);
    assert.is(del.stdout, '');
    assert.is(linkOf(net.host, veth), undefined);
    assert.is(linkOf(c1, 'eth0'), undefined);
    assert.ok(linkOf(net.host, net.br), 'the bridge stays');
    assert.is(leaseFiles(net).length, 0);
    const again = await runPluginIn(net.host, 'bridge', env('DEL', 'c1', c1), conf(net));
    assert.is(again.code, 0, again.stdout);
  });
});

it('DEL removes a veth of its name left on no bridge (the bridge deleted by hand), and leaves one on another bridge', async () => {
  await withHost(async (net, c1, c2) => {
    const added = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net));
    assert.is(added.code, 0, added.stdout);
    const veth = added.json.interfaces[1].name;
    // The bridge deleted by hand: the veth is left on no bridge. It is still c1's (its name comes
    // from the container ID and ifname), so DEL removes it, and c1's eth0 with it.
    sh('ip', ['-n', net.host, 'link', 'del', net.br]);
    assert.is(linkOf(net.host, veth).master, undefined);
    const del = await runPluginIn(net.host, 'bridge', env('DEL', 'c1', c1), conf(net));
    assert.is(del.code, 0, del.stdout);
    assert.is(linkOf(net.host, veth), undefined);
    assert.is(linkOf(c1, 'eth0'), undefined);
    // A veth of that name on another bridge is not ours: DEL leaves it.
    const other = uniqueName('br');
    sh('ip', ['-n', net.host, 'link', 'add', other, 'type', 'bridge']);
    sh('ip', ['-n', net.host, 'link', 'add', veth, 'master', other, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', c2]);
    assert.is((await runPluginIn(net.host, 'bridge', env('DEL', 'c1', c1), conf(net))).code, 0);
    assert.is(linkOf(net.host, veth).master, other);
  }, 2);
});

it('DEL with the netns gone or CNI_NETNS empty still releases the address', async () => {
  await withHost(async (net, c1) => {
    await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net));
    sh('ip', ['netns', 'del', c1]);
    const gone = await runPluginIn(net.host, 'bridge', env('DEL', 'c1', c1), conf(net));
    assert.is(gone.code, 0, gone.stdout);
    assert.is(leaseFiles(net).length, 0);
    const empty = await runPluginIn(net.host, 'bridge', env('DEL', 'c1', ''), conf(net));
    assert.is(empty.code, 0, empty.stdout);
  });
});

it('a failed ADD undoes itself: no veth left, address released', async () => {
  await withHost(async (net, c1) => {
    // An unreachable route gateway fails after the veth and the lease exist.
    const bad = conf(net, {}, { routes: [{ dst: '203.0.113.0/24', gw: '198.51.100.1' }] });
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), bad);
    assert.is(r.code, 1, r.stdout);
    assert.is(r.json.code, 104);
    assert.match(r.json.msg, /cannot add route "203\.0\.113\.0\/24 via 198\.51\.100\.1": ENETUNREACH/);
    assert.is(linkOf(c1, 'eth0'), undefined);
    const vethsLeft = ipJson(net.host, ['link', 'show', 'type', 'veth']);
    assert.equal(vethsLeft, []);
    assert.is(leaseFiles(net).length, 0);
    // The bridge keeps a real MAC after the failure, and the next ADD works.
    assert.is.not(linkOf(net.host, net.br).address, '00:00:00:00:00:00');
    const ok = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net));
    assert.is(ok.code, 0, ok.stdout);
  });
});

it('an exhausted range fails ADD with code 100 and leaves nothing behind', async () => {
  await withHost(async (net, c1, c2) => {
    const tiny = conf(net, {}, { ranges: [[{ subnet: '10.250.0.0/30' }]] });
    assert.is((await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), tiny)).code, 0);
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c2', c2), tiny);
    assert.is(r.json.code, 100, r.stdout);
    assert.is(linkOf(c2, 'eth0'), undefined);
    assert.is(ipJson(net.host, ['link', 'show', 'type', 'veth']).length, 1);
  }, 2);
});

it('ADD refuses an interface name that exists in the container and leaves it untouched', async () => {
  await withHost(async (net, c1) => {
    sh('ip', ['-n', c1, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'other0']);
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net));
    assert.is(r.json.code, 102, r.stdout);
    assert.is(r.json.msg, `interface "eth0" already exists in "${netnsPath(c1)}"`);
    assert.is(linkOf(c1, 'eth0').linkinfo.info_kind, 'veth');
    assert.ok(linkOf(c1, 'other0'), 'the existing pair is untouched');
    assert.is(leaseFiles(net).length, 0);
  });
});

it('ADD refuses a non-bridge link of the bridge name', async () => {
  await withHost(async (net, c1) => {
    sh('ip', ['-n', net.host, 'link', 'add', net.br, 'type', 'veth', 'peer', 'name', `${net.br}p`]);
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net));
    assert.is(r.json.code, 103, r.stdout);
    assert.match(r.json.msg, /already exists and is not a bridge \(it is veth\)/);
    assert.is(linkOf(net.host, net.br).linkinfo.info_kind, 'veth');
  });
});

it('CHECK passes right after ADD and fails when the address, a route, the veth or the lease is gone', async () => {
  await withHost(async (net, c1) => {
    const c = conf(net, { isDefaultGateway: true });
    const added = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), c);
    const withPrev = { ...c, prevResult: added.json };
    const ok = await runPluginIn(net.host, 'bridge', env('CHECK', 'c1', c1), withPrev);
    assert.is(ok.code, 0, ok.stdout);
    assert.is(ok.stdout, '');
    sh('ip', ['-n', c1, 'route', 'del', 'default']);
    const noRoute = await runPluginIn(net.host, 'bridge', env('CHECK', 'c1', c1), withPrev);
    assert.is(noRoute.json.code, 108);
    assert.match(noRoute.json.msg, /route to 0\.0\.0\.0\/0 via 10\.250\.0\.1 is missing/);
    sh('ip', ['-n', c1, 'route', 'add', 'default', 'via', '10.250.0.1']);
    sh('ip', ['-n', c1, 'addr', 'del', '10.250.0.2/24', 'dev', 'eth0']);
    const noAddr = await runPluginIn(net.host, 'bridge', env('CHECK', 'c1', c1), withPrev);
    assert.match(noAddr.json.msg, /address 10\.250\.0\.2\/24 is missing/);
    sh('ip', ['-n', c1, 'addr', 'add', '10.250.0.2/24', 'dev', 'eth0']);
    sh('ip', ['-n', c1, 'route', 'replace', 'default', 'via', '10.250.0.1']);
    assert.is((await runPluginIn(net.host, 'bridge', env('CHECK', 'c1', c1), withPrev)).code, 0);
    for (const f of leaseFiles(net)) sh('rm', [join(net.dataDir, 'btest', f)]);
    const noLease = await runPluginIn(net.host, 'bridge', env('CHECK', 'c1', c1), withPrev);
    assert.is(noLease.code, 1, noLease.stdout);
    sh('ip', ['-n', net.host, 'link', 'del', added.json.interfaces[1].name]);
    const noVeth = await runPluginIn(net.host, 'bridge', env('CHECK', 'c1', c1), withPrev);
    assert.match(noVeth.json.msg, /host veth "veth[0-9a-f]+" is missing/);
  });
});

it('parallel ADDs racing to create the same bridge all succeed', async () => {
  await withHost(async (net, ...cs) => {
    const results = await Promise.all(cs.map((c, i) => runPluginIn(net.host, 'bridge', env('ADD', `p${i}`, c), conf(net))));
    for (const r of results) assert.is(r.code, 0, r.stdout);
    const addresses = new Set(results.map((r) => r.json.ips[0].address));
    assert.is(addresses.size, cs.length);
    assert.is(ipJson(net.host, ['link', 'show', 'master', net.br]).length, cs.length);
  }, 8);
});

it("the bridge MAC is random, locally administered and pinned: two hosts' bridges of one name differ, and ports do not move it", async () => {
  await withHost(async (net, otherHost, c1, c2) => {
    await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net));
    await runPluginIn(otherHost, 'bridge', env('ADD', 'c2', c2), conf({ ...net, dataDir: join(net.dataDir, 'other') }));
    const mac = linkOf(net.host, net.br).address;
    assert.is.not(linkOf(otherHost, net.br).address, mac, 'same name, another host: another MAC');
    assert.is(parseInt(mac.slice(0, 2), 16) & 0x03, 0x02, 'unicast, locally administered');
    assert.is(
      sh('ip', ['netns', 'exec', net.host, 'cat', `/sys/class/net/${net.br}/addr_assign_type`]).trim(),
      '3',
      'set, not kernel-chosen',
    );
    await runPluginIn(net.host, 'bridge', env('DEL', 'c1', c1), conf(net));
    assert.is(linkOf(net.host, net.br).address, mac, 'kept with no port left');
  }, 3);
});

it('an empty ipam is L2 only: interface up, no address', async () => {
  await withHost(async (net, c1) => {
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), {
      cniVersion: '1.0.0',
      name: 'l2',
      type: 'bridge',
      bridge: net.br,
      ipam: {},
      firewallDir: join(net.dataDir, 'fw'),
    });
    assert.is(r.code, 0, r.stdout);
    assert.ok((linkOf(c1, 'eth0').flags as string[]).includes('UP'));
    assert.equal(
      addrsOf(c1, 'eth0').filter((a) => !a.startsWith('fe80')),
      [],
    );
    assert.equal(r.json.ips ?? [], []);
  });
});

it('the container MAC comes from runtimeConfig, args.cni or CNI_ARGS', async () => {
  await withHost(async (net, c1, c2) => {
    const a = await runPluginIn(
      net.host,
      'bridge',
      env('ADD', 'c1', c1, 'eth0', { CNI_ARGS: 'IgnoreUnknown=1;MAC=02:42:00:00:00:0a' }),
      conf(net),
    );
    assert.is(linkOf(c1, 'eth0').address, '02:42:00:00:00:0a');
    assert.is(a.json.interfaces[2].mac, '02:42:00:00:00:0a');
    await runPluginIn(
      net.host,
      'bridge',
      env('ADD', 'c2', c2),
      conf(net, { runtimeConfig: { mac: '02:42:00:00:00:0b' }, args: { cni: { mac: '02:42:00:00:00:0c' } } }),
    );
    assert.is(linkOf(c2, 'eth0').address, '02:42:00:00:00:0b');
  }, 2);
});

it('hairpinMode and promiscMode reach the kernel; both together is invalid config', async () => {
  await withHost(async (net, c1, c2) => {
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net, { hairpinMode: true }));
    assert.is(linkOf(net.host, r.json.interfaces[1].name).linkinfo.info_slave_data.hairpin, true);
    await runPluginIn(net.host, 'bridge', env('ADD', 'c2', c2), conf(net, { promiscMode: true }));
    assert.ok(linkOf(net.host, net.br).promiscuity > 0);
    const both = await runPluginIn(net.host, 'bridge', env('ADD', 'c3', c2, 'eth1'), conf(net, { promiscMode: true, hairpinMode: true }));
    assert.is(both.json.code, 7);
  }, 2);
});

it('forceAddress replaces another gateway address on the bridge; without it ADD fails', async () => {
  await withHost(async (net, c1, c2) => {
    sh('ip', ['-n', net.host, 'link', 'add', net.br, 'type', 'bridge']);
    sh('ip', ['-n', net.host, 'addr', 'add', '10.250.0.9/24', 'dev', net.br]);
    const refused = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), conf(net));
    assert.is(refused.json.code, 7, refused.stdout);
    assert.match(refused.json.msg, /already has address 10\.250\.0\.9\/24; set "forceAddress"/);
    const forced = await runPluginIn(net.host, 'bridge', env('ADD', 'c2', c2), conf(net, { forceAddress: true }));
    assert.is(forced.code, 0, forced.stdout);
    assert.equal(
      addrsOf(net.host, net.br).filter((a) => !a.startsWith('fe80')),
      ['10.250.0.1/24'],
    );
  }, 2);
});

it('a 0.3.1 request gets a 0.3.1 result with ips[].version', async () => {
  await withHost(async (net, c1) => {
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), { ...conf(net), cniVersion: '0.3.1' });
    assert.is(r.json.cniVersion, '0.3.1');
    assert.is(r.json.ips[0].version, '4');
  });
});

it('STATUS and GC delegate to host-local', async () => {
  await withHost(async (net, c1) => {
    const c = { ...conf(net, {}, { ranges: [[{ subnet: '10.250.0.0/30' }]] }), cniVersion: '1.1.0' };
    assert.is((await runPluginIn(net.host, 'bridge', { CNI_COMMAND: 'STATUS' }, c)).code, 0);
    await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), c);
    const full = await runPluginIn(net.host, 'bridge', { CNI_COMMAND: 'STATUS' }, c);
    assert.is(full.json.code, 50, full.stdout);
    const gc = await runPluginIn(net.host, 'bridge', { CNI_COMMAND: 'GC' }, { ...c, 'cni.dev/valid-attachments': [] });
    assert.is(gc.code, 0, gc.stdout);
    assert.is(leaseFiles(net).length, 0);
    assert.is((await runPluginIn(net.host, 'bridge', { CNI_COMMAND: 'STATUS' }, c)).code, 0);
  });
});

it('unknown CNI_ARGS keys are refused unless IgnoreUnknown is set', async () => {
  await withHost(async (net, c1) => {
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1, 'eth0', { CNI_ARGS: 'K8S_POD_NAME=x' }), conf(net));
    assert.is(r.json.code, 4);
    assert.match(r.json.msg, /unknown CNI_ARGS key "K8S_POD_NAME"/);
    assert.is(leaseFiles(net).length, 0);
    const ok = await runPluginIn(
      net.host,
      'bridge',
      env('ADD', 'c1', c1, 'eth0', { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=x' }),
      conf(net),
    );
    assert.is(ok.code, 0, ok.stdout);
  });
});

it("an IPAM plugin other than Berth's own host-local is exec'd (the reference host-local first in CNI_PATH)", async () => {
  execFileSync(join(ROOT_DIR, 'scripts/ensure-packages.sh'), ['containernetworking-plugins'], { stdio: 'ignore' });
  await withHost(async (net, c1) => {
    const cniPath = { CNI_PATH: `/usr/lib/cni:${BIN_DIR}` };
    const r = await runPluginIn(net.host, 'bridge', { ...env('ADD', 'c1', c1), ...cniPath }, conf(net));
    assert.is(r.code, 0, r.stdout);
    assert.equal(r.json.ips, [{ address: '10.250.0.2/24', gateway: '10.250.0.1', interface: 2 }]);
    // The reference wrote the lease (no Berth attachment index beside it).
    assert.equal(leaseFiles(net), ['10.250.0.2']);
    assert.not.ok(existsSync(join(net.dataDir, 'btest', '.berth-index')));
    const del = await runPluginIn(net.host, 'bridge', { ...env('DEL', 'c1', c1), ...cniPath }, conf(net));
    assert.is(del.code, 0, del.stdout);
    assert.equal(leaseFiles(net), []);
  });
});

/** Whether this kernel has bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING), probed in a throwaway netns. */
async function kernelHasVlanFiltering(): Promise<boolean> {
  return withNetns(1, async (ns) => {
    try {
      sh('ip', ['-n', ns, 'link', 'add', 'probe0', 'type', 'bridge', 'vlan_filtering', '1']);
      return true;
    } catch {
      return false;
    }
  });
}

it('vlan: a VLAN-filtering bridge with an untagged PVID port and the gateway on <bridge>.<vlan>, or a clean refusal where the kernel lacks it', async () => {
  const supported = await kernelHasVlanFiltering();
  await withHost(async (net, c1, c2) => {
    const c = conf(net, { vlan: 42 });
    const r = await runPluginIn(net.host, 'bridge', env('ADD', 'c1', c1), c);
    if (!supported) {
      assert.is(r.json.code, 2, r.stdout);
      assert.match(r.json.msg, /this kernel does not support bridge VLAN filtering \(EOPNOTSUPP\)$/);
      assert.is(linkOf(net.host, net.br), undefined, 'no half-made bridge');
      assert.is(linkOf(c1, 'eth0'), undefined);
      assert.equal(leaseFiles(net), []);
      return;
    }
    assert.is(r.code, 0, r.stdout);
    await runPluginIn(net.host, 'bridge', env('ADD', 'c2', c2), c);
    assert.is(linkOf(net.host, net.br).linkinfo.info_data.vlan_filtering, 1);
    const vlans = JSON.parse(sh('ip', ['netns', 'exec', net.host, 'bridge', '-j', 'vlan', 'show', 'dev', r.json.interfaces[1].name]));
    const port = vlans[0].vlans.find((v: any) => v.vlan === 42);
    assert.ok(port && port.flags.includes('PVID') && port.flags.includes('Egress Untagged'), JSON.stringify(vlans));
    assert.equal(
      addrsOf(net.host, `${net.br}.42`).filter((a) => !a.startsWith('fe80')),
      ['10.250.0.1/24'],
    );
    assert.is((await runIn(c1, 'ping', ['-c', '1', '-W', '2', '10.250.0.1'])).code, 0);
    assert.is((await runIn(c1, 'ping', ['-c', '1', '-W', '2', '10.250.0.3'])).code, 0);
  }, 2);
});

bridge.run();
