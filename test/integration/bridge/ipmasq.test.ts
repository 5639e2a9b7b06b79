import { suite } from 'uvu';
import { existsSync, readdirSync } from 'node:fs';
import * as assert from 'uvu/assert';
import {
  cniEnv,
  connectOutside,
  isRoot,
  pings,
  runIn,
  runPluginIn,
  sh,
  sourceSeenBy,
  uniqueName,
  withNetns,
  withTempDir,
} from '../../helpers/sandbox';

const masq = suite('bridge ipMasq, macspoofchk, isolate, internal (nftables, real namespaces)');
const it = isRoot ? masq : masq.skip;

interface Net {
  host: string;
  outside: string;
  dir: string;
  br: string;
}

function conf(net: Net, extra: Record<string, unknown> = {}, subnet = '10.251.0.0/24', name = 'mtest') {
  return {
    cniVersion: '1.0.0',
    name,
    type: 'bridge',
    bridge: net.br,
    isGateway: true,
    isDefaultGateway: true,
    ipMasq: true,
    firewallDir: `${net.dir}/fw`,
    ipam: {
      type: 'host-local',
      dataDir: `${net.dir}/leases`,
      ranges: [[{ subnet }], [{ subnet: subnet.startsWith('10.251') ? 'fd00:251::/64' : 'fd00:252::/64' }]],
    },
    ...extra,
  };
}

async function withHostAndOutside(fn: (net: Net, ...containers: string[]) => Promise<void>, containers = 1): Promise<void> {
  await withTempDir(async (dir) => {
    await withNetns(containers + 2, async (host, outside, ...cs) => {
      connectOutside(host, outside);
      await fn({ host, outside, dir, br: uniqueName('br') }, ...cs);
    });
  });
}

/** Elements of Berth's sets/maps in the host netns tagged for this container. */
function elementsOf(host: string, containerId: string): number {
  let listing: any;
  try {
    listing = JSON.parse(sh('ip', ['netns', 'exec', host, 'nft', '-j', 'list', 'ruleset']));
  } catch {
    return 0;
  }
  const text = JSON.stringify(listing.nftables.filter((o: any) => o.set || o.map));
  return (text.match(new RegExp(`/${containerId}/`, 'g')) ?? []).length;
}

const connectTo = (ns: string, addr: string, port: number) => () => runIn(ns, 'nc', ['-w', '2', addr, String(port)]);

it('ipMasq: traffic to the outside leaves with the host address (IPv4 and IPv6)', async () => {
  await withHostAndOutside(async (net, c1) => {
    const r = await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), conf(net));
    assert.is(r.code, 0, r.stdout);
    sh('ip', ['netns', 'exec', net.host, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    assert.is(await sourceSeenBy(net.outside, 8080, connectTo(c1, '198.51.100.2', 8080)), '198.51.100.1');
    assert.is(await sourceSeenBy(net.outside, 8081, connectTo(c1, '2001:db8:51::2', 8081)), '2001:db8:51::1');
  });
});

it('ipMasq: traffic inside the subnet keeps the container address', async () => {
  await withHostAndOutside(async (net, c1, c2) => {
    await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), conf(net));
    const b = await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c2', c2), conf(net));
    const c2addr = b.json.ips[0].address.split('/')[0];
    assert.is(await sourceSeenBy(c2, 8080, connectTo(c1, c2addr, 8080)), '10.251.0.2');
  }, 2);
});

it('ipMasq: false preserves the source address', async () => {
  await withHostAndOutside(async (net, c1) => {
    sh('ip', ['-n', net.outside, 'route', 'add', '10.251.0.0/24', 'via', '198.51.100.1']);
    const r = await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), conf(net, { ipMasq: false }));
    assert.is(r.code, 0, r.stdout);
    assert.is(await sourceSeenBy(net.outside, 8080, connectTo(c1, '198.51.100.2', 8080)), '10.251.0.2');
    assert.is(elementsOf(net.host, 'c1'), 0);
  });
});

it('DEL removes the masquerade elements, also with the netns gone, and after GC nothing of the container remains', async () => {
  await withHostAndOutside(async (net, c1, c2) => {
    await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), conf(net));
    await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c2', c2), conf(net));
    assert.ok(elementsOf(net.host, 'c1') > 0);
    sh('ip', ['netns', 'del', c1]);
    const del = await runPluginIn(net.host, 'bridge', cniEnv('DEL', 'c1', c1), conf(net));
    assert.is(del.code, 0, del.stdout);
    assert.is(elementsOf(net.host, 'c1'), 0);
    assert.ok(elementsOf(net.host, 'c2') > 0, 'the other container keeps its elements');
    // The address was removed from c2's interface: DEL still cleans up from Berth's records.
    sh('ip', ['-n', c2, 'addr', 'flush', 'dev', 'eth0']);
    const gc = await runPluginIn(
      net.host,
      'bridge',
      { CNI_COMMAND: 'GC' },
      { ...conf(net), cniVersion: '1.1.0', 'cni.dev/valid-attachments': [] },
    );
    assert.is(gc.code, 0, gc.stdout);
    assert.is(elementsOf(net.host, 'c2'), 0);
  }, 2);
});

it("DEL of a container never removes another container's element after its address was reused", async () => {
  await withHostAndOutside(async (net, c1, c2) => {
    const tiny = conf(net, {}, '10.251.0.0/30');
    await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), tiny);
    // c1's lease goes (as if released by hand), c2 gets the same address.
    sh('rm', ['-f', `${net.dir}/leases/mtest/10.251.0.2`]);
    const b = await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c2', c2), tiny);
    assert.is(b.code, 0, b.stdout);
    assert.is(b.json.ips[0].address, '10.251.0.2/30');
    await runPluginIn(net.host, 'bridge', cniEnv('DEL', 'c1', c1), tiny);
    assert.ok(elementsOf(net.host, 'c2') > 0, 'c2 keeps its masquerade');
    assert.is(await sourceSeenBy(net.outside, 8080, connectTo(c2, '198.51.100.2', 8080)), '198.51.100.1');
  }, 2);
});

it('CHECK fails when the masquerade element is gone', async () => {
  await withHostAndOutside(async (net, c1) => {
    const added = await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), conf(net));
    const withPrev = { ...conf(net), prevResult: added.json };
    assert.is((await runPluginIn(net.host, 'bridge', cniEnv('CHECK', 'c1', c1), withPrev)).code, 0);
    sh('ip', ['netns', 'exec', net.host, 'nft', 'flush', 'map', 'inet', 'berth', 'masq4']);
    const r = await runPluginIn(net.host, 'bridge', cniEnv('CHECK', 'c1', c1), withPrev);
    assert.is(r.json.code, 108, r.stdout);
  });
});

it('macspoofchk: a container cannot send with another MAC', async () => {
  await withHostAndOutside(async (net, c1, c2) => {
    const c = conf(net, { macspoofchk: true, ipMasq: false });
    await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), c);
    await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c2', c2), c);
    assert.is((await runIn(c1, 'ping', ['-c', '1', '-W', '2', '10.251.0.3'])).code, 0);
    sh('ip', ['-n', c1, 'link', 'set', 'eth0', 'address', '02:00:00:00:be:ef']);
    sh('ip', ['-n', c2, 'neigh', 'flush', 'all']);
    assert.is.not((await runIn(c1, 'ping', ['-c', '1', '-W', '1', '10.251.0.3'])).code, 0);
    await runPluginIn(net.host, 'bridge', cniEnv('DEL', 'c1', c1), c);
    assert.is(elementsOf(net.host, 'c1'), 0);
  }, 2);
});

it('isolate: two isolated bridges cannot reach each other; without it they are routed', async () => {
  await withHostAndOutside(async (net, c1, c2, c3) => {
    const other = { ...net, br: uniqueName('br') };
    const a = conf(net, { isolate: true, ipMasq: false });
    const b = conf(other, { isolate: true, ipMasq: false }, '10.252.0.0/24', 'mtest2');
    await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), a);
    await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c2', c2), b);
    assert.is.not((await runIn(c1, 'ping', ['-c', '1', '-W', '1', '10.252.0.2'])).code, 0, 'isolated');
    assert.is((await runIn(c1, 'ping', ['-c', '1', '-W', '1', '10.251.0.1'])).code, 0, 'own gateway still reachable');
    // A third, non-isolated network is routed to both, like the reference.
    const third = { ...net, br: uniqueName('br') };
    await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c3', c3), conf(third, { ipMasq: false }, '10.253.0.0/24', 'mtest3'));
    assert.is((await runIn(c3, 'ping', ['-c', '1', '-W', '2', '10.251.0.2'])).code, 0, 'routed');
  }, 3);
});

/** Elements of one of Berth's inet sets in the host netns. */
function setSize(host: string, set: string): number {
  try {
    const listing = JSON.parse(sh('ip', ['netns', 'exec', host, 'nft', '-j', 'list', 'set', 'inet', 'berth', set]));
    return listing.nftables.find((o: any) => o.set)?.set.elem?.length ?? 0;
  } catch {
    return 0;
  }
}

it('internal: nothing is routed into or out of the bridge; within it and to or from the host it flows; GC lifts it', async () => {
  await withHostAndOutside(async (net, c1, c2) => {
    const internal = conf(net, { internal: true }); // ipMasq and a default route too: the drop alone must stop them
    const r1 = await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), internal);
    assert.is(r1.code, 0, r1.stdout);
    assert.is((await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c2', c2), internal)).code, 0);
    sh('ip', ['netns', 'exec', net.host, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    sh('ip', ['-n', net.outside, 'route', 'add', '10.251.0.0/24', 'via', '198.51.100.1']);
    assert.equal([setSize(net.host, 'internal'), setSize(net.host, 'internal_self')], [1, 1], 'one element each, whatever the containers');
    assert.not.ok(await pings(c1, '198.51.100.2'), 'no way out (IPv4)');
    assert.not.ok(await pings(c1, '2001:db8:51::2'), 'no way out (IPv6)');
    assert.not.ok(await pings(net.outside, '10.251.0.2'), 'no way in');
    assert.ok(await pings(c1, '10.251.0.1'), 'the gateway (the host) is reachable');
    assert.ok(await pings(net.host, '10.251.0.2'), 'the host reaches the container');
    assert.ok(await pings(c1, '10.251.0.3'), 'containers on the bridge reach each other');
    const check = await runPluginIn(net.host, 'bridge', cniEnv('CHECK', 'c1', c1), { ...internal, prevResult: r1.json });
    assert.is(check.code, 0, check.stdout);
    for (const [id, ns] of [
      ['c1', c1],
      ['c2', c2],
    ])
      assert.is((await runPluginIn(net.host, 'bridge', cniEnv('DEL', id, ns), internal)).code, 0);
    assert.equal([setSize(net.host, 'internal'), setSize(net.host, 'internal_self')], [1, 1], "DEL leaves the network's own elements");
    const gc = await runPluginIn(
      net.host,
      'bridge',
      { CNI_COMMAND: 'GC' },
      { ...internal, cniVersion: '1.1.0', 'cni.dev/valid-attachments': [] },
    );
    assert.is(gc.code, 0, gc.stdout);
    assert.equal([setSize(net.host, 'internal'), setSize(net.host, 'internal_self')], [0, 0], 'GC with no attachment left lifts it');
    assert.is((await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), conf(net))).code, 0);
    assert.ok(await pings(c1, '198.51.100.2'), 'the same container without internal reaches out');
  }, 2);
});

/** Files under `dir` (recursively), dot files (locks) left out. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name);
}

it('ipMasq with no address (empty ipam): ADD and DEL leave no firewall record behind', async () => {
  await withHostAndOutside(async (net, c1) => {
    const c = { ...conf(net), ipam: {} };
    const r = await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), c);
    assert.is(r.code, 0, r.stdout);
    assert.equal(r.json.ips ?? [], []);
    const del = await runPluginIn(net.host, 'bridge', cniEnv('DEL', 'c1', c1), c);
    assert.is(del.code, 0, del.stdout);
    assert.equal(filesUnder(`${net.dir}/fw`), []);
  });
});

it('bridge GC without a valid-attachments list, or with a malformed one, is refused with code 7 and removes nothing', async () => {
  await withHostAndOutside(async (net, c1) => {
    assert.is((await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), conf(net))).code, 0);
    const elements = elementsOf(net.host, 'c1');
    const records = filesUnder(net.dir).sort();
    assert.ok(elements > 0);
    for (const list of [undefined, { c1: 'eth0' }, [{ ifname: 'eth0' }]]) {
      const gc = await runPluginIn(
        net.host,
        'bridge',
        { CNI_COMMAND: 'GC' },
        { ...conf(net), cniVersion: '1.1.0', ...(list !== undefined && { 'cni.dev/valid-attachments': list }) },
      );
      assert.is(gc.json?.code, 7, `${JSON.stringify(list)}: ${gc.stdout}`);
    }
    assert.is(elementsOf(net.host, 'c1'), elements, 'the masquerade is still there');
    assert.equal(filesUnder(net.dir).sort(), records, 'leases and records are still there');
    assert.is(await sourceSeenBy(net.outside, 8080, connectTo(c1, '198.51.100.2', 8080)), '198.51.100.1');
  });
});

it('a default route without gw from IPAM goes via the gateway: the container reaches the outside', async () => {
  await withHostAndOutside(async (net, c1) => {
    const c = conf(net, { isDefaultGateway: false });
    (c.ipam as any).routes = [{ dst: '0.0.0.0/0' }];
    const r = await runPluginIn(net.host, 'bridge', cniEnv('ADD', 'c1', c1), c);
    assert.is(r.code, 0, r.stdout);
    const routes = JSON.parse(sh('ip', ['-n', c1, '-j', 'route', 'show', 'default']));
    assert.equal(
      routes.map((x: any) => x.gateway),
      ['10.251.0.1'],
    );
    assert.is(await sourceSeenBy(net.outside, 8080, connectTo(c1, '198.51.100.2', 8080)), '198.51.100.1');
  });
});

masq.run();
