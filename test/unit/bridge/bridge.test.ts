import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pendingNetns } from '../../fakes/pending-netns';
import { CniError } from '../../../cni/errors';
import { runPlugin } from '../../../cni/skel';
import { NftError } from '../../../kernel/errors';
import { bridgeHandlers, type BridgeDeps } from '../../../bridge/bridge';
import type { BridgeFirewall } from '../../../bridge/firewall';
import { FakeNetlink } from '../../fakes/netlink';

/** The bridge's undo order and DEL's keep-going, over the recording netlink fake (no root). */
const NETNS = '/run/netns/c1';
const CONF = {
  cniVersion: '1.1.0',
  name: 'web',
  type: 'bridge',
  bridge: 'cni0',
  isGateway: true,
  ipMasq: true,
  ipam: { type: 'fake-ipam' },
};

interface Faults {
  ipamDel?: Error;
  firewallAdd?: Error;
  firewallDel?: Error;
}

function setup(faults: Faults = {}, conf: object = CONF) {
  const events: string[] = [];
  const netlink = new FakeNetlink(events);
  const firewall: BridgeFirewall = {
    add: async () => {
      events.push('firewall add');
      if (faults.firewallAdd) throw faults.firewallAdd;
    },
    del: async () => {
      events.push('firewall del');
      if (faults.firewallDel) throw faults.firewallDel;
    },
    check: async () => undefined,
    gc: async () => undefined,
  };
  const deps: BridgeDeps = {
    netlink,
    writeSysctl: (key, value, netns) => {
      events.push(`${netns ?? 'host'} sysctl ${[key].flat().join('.')}=${value}`);
    },
    randomBytes: (n) => Buffer.alloc(n, 7),
    loadFirewall: async () => firewall,
    openIpam: async (ctx) => ({
      add: async () => {
        events.push('ipam ADD');
        return { cniVersion: ctx.cniVersion, ips: [{ address: '192.0.2.5/24', gateway: '192.0.2.1' }], routes: [{ dst: '0.0.0.0/0' }] };
      },
      del: async () => {
        events.push('ipam DEL');
        if (faults.ipamDel) throw faults.ipamDel;
      },
      check: async () => undefined,
      gc: async () => undefined,
      status: async () => undefined,
    }),
  };
  const call = async (command: string, netnsReady?: Promise<void>) => {
    let out = '';
    const code = await runPlugin(bridgeHandlers(deps), {
      ...(netnsReady && { netnsReady }),
      env: { CNI_COMMAND: command, CNI_CONTAINERID: 'ctr1', CNI_NETNS: NETNS, CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent' },
      readStdin: async () => JSON.stringify(conf),
      writeStdout: (t) => {
        out += t;
      },
      writeStderr: () => undefined,
    });
    return { code, out: out ? JSON.parse(out) : undefined };
  };
  const hostVeth = () => [...netlink.space('host').links.values()].find((l) => l.kind === 'veth')?.name;
  return { events, netlink, call, hostVeth };
}

/** The veth's and the container side's steps of a successful ADD, in order. */
const netnsSide = (veth: string) => [
  `host createVeth ${veth}`,
  `host setNoLinkLocal ${veth}`,
  `${NETNS} setIpv4Conf eth0`,
  `${NETNS} addAddr 192.0.2.5/24`,
  `${NETNS} setLink eth0`,
  `${NETNS} addRoute 0.0.0.0/0`,
];

/** The events after the first one that matches `from`. */
const after = (events: string[], from: string) => events.slice(events.indexOf(from) + 1);

test('ADD that fails on a container route undoes the veth, then the lease, and reports 104', async () => {
  const t = setup();
  t.netlink.failures.set('addRoute 0.0.0.0/0', 'EPERM');
  const { code, out } = await t.call('ADD');
  assert.is(code, 1);
  assert.is(out.code, 104);
  const veth = t.events.find((e) => e.startsWith('host createVeth '))!.split(' ')[2];
  assert.equal(after(t.events, `${NETNS} addRoute 0.0.0.0/0`), [`host deleteLink ${veth}`, 'ipam DEL']);
  assert.is(t.hostVeth(), undefined);
});

test('ADD that fails in the firewall undoes the veth, then the lease, and reports 107', async () => {
  const t = setup({ firewallAdd: new NftError('add element', 'Operation not permitted') });
  const { code, out } = await t.call('ADD');
  assert.is(code, 1);
  assert.is(out.code, 107);
  const veth = t.events.find((e) => e.startsWith('host createVeth '))!.split(' ')[2];
  assert.equal(after(t.events, 'firewall add'), [`host deleteLink ${veth}`, 'ipam DEL']);
});

test('ADD undoes nothing when it succeeds; the order of its steps', async () => {
  const t = setup();
  const { code, out } = await t.call('ADD');
  assert.is(code, 0);
  assert.is(out.ips[0].address, '192.0.2.5/24');
  const veth = t.hostVeth()!;
  assert.equal(
    t.events.filter((e) => !e.includes('sysctl')),
    ['host createBridge cni0', 'host setLink cni0', 'ipam ADD', ...netnsSide(veth), 'host addAddr 192.0.2.1/24', 'firewall add'],
  );
});

test('ADD with netnsReady: the host side first, then the netns side once it is ready; the same result', async () => {
  const t = setup();
  const netns = pendingNetns();
  const added = t.call('ADD', netns.promise);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(
    t.events.filter((e) => !e.includes('sysctl')),
    ['host createBridge cni0', 'host setLink cni0', 'ipam ADD', 'host addAddr 192.0.2.1/24', 'firewall add'],
  );
  netns.ready();
  const { code, out } = await added;
  assert.is(code, 0);
  const veth = t.hostVeth()!;
  assert.equal(
    after(t.events, 'firewall add').filter((e) => !e.includes('sysctl')),
    netnsSide(veth),
  );
  assert.is(out.ips[0].address, '192.0.2.5/24');
  assert.is(out.interfaces[2].sandbox, NETNS);
});

test('ADD with netnsReady that rejects undoes the firewall, then the lease, and touches no netns', async () => {
  const t = setup();
  const netns = pendingNetns();
  const added = t.call('ADD', netns.promise);
  await new Promise((r) => setTimeout(r, 20));
  netns.fail(new Error('berth-shim ended before the netns was made'));
  const { code, out } = await added;
  assert.is(code, 1);
  assert.match(out.msg, /before the netns was made/);
  assert.equal(after(t.events, 'firewall add'), ['firewall del', 'ipam DEL']);
  assert.not.ok(t.events.some((e) => e.startsWith(NETNS) || e.includes('createVeth')));
});

test('ADD with netnsReady and macspoofchk: the firewall waits for the peer MAC', async () => {
  const t = setup({}, { ...CONF, macspoofchk: true });
  const netns = pendingNetns();
  const added = t.call('ADD', netns.promise);
  await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(t.events.includes('firewall add'));
  netns.ready();
  assert.is((await added).code, 0);
  assert.equal(after(t.events, `${NETNS} addRoute 0.0.0.0/0`), ['firewall add']);
});

test('ADD reports the host veth as the kernel echoed it, or as a lookup finds it when there is no echo', async () => {
  for (const echo of [true, false]) {
    const t = setup();
    t.netlink.echoesNewLinks = echo;
    const { code, out } = await t.call('ADD');
    assert.is(code, 0);
    const veth = t.netlink.space('host').links.get(t.hostVeth()!)!;
    assert.equal(out.interfaces[1], { name: veth.name, mac: veth.mac });
  }
});

test("DEL keeps going past three failures: the first one's code, all of them listed", async () => {
  const t = setup({
    firewallDel: new NftError('delete element', 'Device or resource busy'),
    ipamDel: new CniError(5, 'cannot remove the lease'),
  });
  assert.is((await t.call('ADD')).code, 0);
  const veth = t.hostVeth()!;
  t.netlink.failures.set(`deleteLinkDetached ${veth}`, 'EBUSY');
  t.events.length = 0;
  const { code, out } = await t.call('DEL');
  assert.is(code, 1);
  assert.equal(t.events, [`host deleteLinkDetached ${veth}`, 'firewall del', 'ipam DEL']);
  assert.is(out.code, 104);
  assert.match(out.details, /^104: .*EBUSY; 107: .*busy; 5: cannot remove the lease$/);
});

test('DEL of what is already gone succeeds and still releases the firewall and the lease', async () => {
  const t = setup();
  const { code } = await t.call('DEL');
  assert.is(code, 0);
  assert.equal(t.events, ['firewall del', 'ipam DEL']);
});

test.run();
