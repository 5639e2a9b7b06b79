import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRoot, sh, withTempDir } from '../../helpers/sandbox';
import {
  connect,
  countElements,
  peerOf,
  startServer,
  withTopology,
  type Container,
  type Server,
  type Topology,
} from '../../helpers/topology';
import { openNftIn, type Nft } from '../../../kernel/nft';
import * as fw from '../../../firewall/index';
import { elementQuery, masqueradeElements } from '../../../firewall/render';

const it = isRoot ? test : test.skip;

/** Connects from the container to the outside and returns the source address the outside saw. */
async function sourceSeenOutside(t: { outside: string }, from: string, addr: string, v6 = false): Promise<string | undefined> {
  let server: Server | undefined;
  try {
    server = await startServer(t.outside, 7000, { v6 });
    const r = await connect(from, addr, 7000);
    assert.match(r.stdout, /pong/, `no answer from the outside: ${r.stderr}`);
    return peerOf(server);
  } finally {
    server?.stop();
  }
}

/** The attachment (network web, interface eth0) of container `containerId`, with the nftables handle and records' directory. */
const on = (nft: Nft, stateDir: string, containerId: string) => ({ nft, stateDir, network: 'web', containerId, ifName: 'eth0' });

/** A topology with containers c1 and c2 on it, the host's nftables handle and a records' directory. */
async function withTwoContainers(
  fn: (s: { t: Topology; c1: Container; c2: Container; nft: Nft; stateDir: string }) => Promise<void>,
): Promise<void> {
  await withTempDir(async (stateDir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      const c2 = t.addContainer(3);
      await fn({ t, c1, c2, nft: openNftIn(`/run/netns/${t.host}`), stateDir });
    }),
  );
}

it('addMasquerade() makes the outside see the host address, IPv4 and IPv6; inside the subnet the source stays', async () => {
  await withTwoContainers(async ({ t, c1, c2, nft, stateDir }) => {
    await fw.addMasquerade({ ...on(nft, stateDir, 'c1'), addresses: c1.cidrs });
    assert.is(await sourceSeenOutside(t, c1.ns, t.out4), t.hostOut4);
    assert.is(await sourceSeenOutside(t, c1.ns, t.out6, true), t.hostOut6);
    // within the subnet: c2 sees c1's own address
    assert.is(await sourceSeenOutside({ outside: c2.ns }, c1.ns, c2.v4), c1.v4);
    await fw.checkMasquerade({ ...on(nft, stateDir, 'c1'), addresses: c1.cidrs });
    assert.is(countElements(t.host, 'web/c1/eth0'), 2);
  });
});

it('without ipMasq the outside sees the container address', async () => {
  await withTempDir(async () =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      t.routeBack();
      assert.is(await sourceSeenOutside(t, c1.ns, t.out4), c1.v4);
    }),
  );
});

it("deleteMasquerade() removes only the container's elements, from the records, twice", async () => {
  await withTwoContainers(async ({ t, c1, c2, nft, stateDir }) => {
    await fw.addMasquerade({ ...on(nft, stateDir, 'c1'), addresses: c1.cidrs });
    await fw.addMasquerade({ ...on(nft, stateDir, 'c2'), addresses: c2.cidrs });
    await fw.deleteMasquerade({ ...on(nft, stateDir, 'c1') });
    await fw.deleteMasquerade({ ...on(nft, stateDir, 'c1') });
    assert.is(countElements(t.host, 'web/c1/'), 0);
    assert.is(countElements(t.host, 'web/c2/eth0'), 2);
    t.routeBack(); // c1's traffic now leaves with its own address
    assert.is(await sourceSeenOutside(t, c1.ns, t.out4), c1.v4);
  });
});

it('an address reused by another container after a leak: the old DEL leaves the new owner alone', async () => {
  await withTempDir(async (stateDir) =>
    withTopology(async (t) => {
      const c1 = t.addContainer(2);
      const nft = openNftIn(`/run/netns/${t.host}`);
      await fw.addMasquerade({ ...on(nft, stateDir, 'old'), addresses: c1.cidrs });
      await fw.addMasquerade({ ...on(nft, stateDir, 'new'), addresses: c1.cidrs });
      await fw.deleteMasquerade({ ...on(nft, stateDir, 'old') });
      assert.is(countElements(t.host, 'web/new/eth0'), 2);
      assert.is(countElements(t.host, 'web/old/'), 0);
      assert.is(await sourceSeenOutside(t, c1.ns, t.out4), t.hostOut4);
    }),
  );
});

it('gcFirewall() removes elements and records of attachments not in the valid list', async () => {
  await withTwoContainers(async ({ t, c1, c2, nft, stateDir }) => {
    await fw.addBridgeFirewall({
      ...on(nft, stateDir, 'c1'),
      ipMasq: { addresses: c1.cidrs },
      macSpoofCheck: { hostVeth: c1.hostVeth, mac: c1.mac },
    });
    await fw.addBridgeFirewall({
      ...on(nft, stateDir, 'c2'),
      ipMasq: { addresses: c2.cidrs },
      macSpoofCheck: { hostVeth: c2.hostVeth, mac: c2.mac },
    });
    await fw.addMasquerade({ nft, stateDir, network: 'other', containerId: 'c9', ifName: 'eth0', addresses: ['192.0.2.9/24'] });
    assert.is(countElements(t.host, 'web/c1/eth0'), 4);
    await fw.gcFirewall('web', [{ containerID: 'c2', ifname: 'eth0' }], { nft, stateDir });
    assert.is(countElements(t.host, 'web/c1/'), 0);
    assert.is(countElements(t.host, 'web/c2/eth0'), 4);
    assert.is(countElements(t.host, 'other/c9/eth0'), 1);
    await fw.deleteBridgeFirewall({ ...on(nft, stateDir, 'c1') }); // record gone: no-op
    await fw.gcFirewall('web', [], { nft, stateDir });
    assert.is(countElements(t.host, 'web/'), 0);
  });
});

it('addMacSpoofCheck() drops frames from another MAC on the port', async () => {
  await withTwoContainers(async ({ t, c1, c2, nft, stateDir }) => {
    await fw.addMacSpoofCheck({ ...on(nft, stateDir, 'c1'), hostVeth: c1.hostVeth, mac: c1.mac });
    assert.is(await sourceSeenOutside({ outside: c2.ns }, c1.ns, c2.v4), c1.v4);
    sh('ip', ['-n', c1.ns, 'link', 'set', 'eth0', 'address', '02:00:00:00:99:99']);
    sh('ip', ['-n', c2.ns, 'neigh', 'flush', 'all']);
    let server: Server | undefined;
    try {
      server = await startServer(c2.ns, 7000);
      const r = await connect(c1.ns, c2.v4, 7000);
      assert.not.match(r.stdout, /pong/);
    } finally {
      server?.stop();
    }
    await fw.deleteMacSpoofCheck({ ...on(nft, stateDir, 'c1') });
    assert.is(countElements(t.host, 'web/c1/'), 0);
  });
});

it('elementComments() answers in order, in several sends: owners, absent keys, an absent set', async () => {
  await withTwoContainers(async ({ c1, c2, nft, stateDir }) => {
    await fw.addMasquerade({ ...on(nft, stateDir, 'c1'), addresses: c1.cidrs });
    await fw.addMasquerade({ ...on(nft, stateDir, 'c2'), addresses: [c2.cidrs[0]] });
    const absent = masqueradeElements(Array.from({ length: 40 }, (_, k) => `10.250.0.${k + 1}/24`)).map(elementQuery);
    const noSet = { ...elementQuery(masqueradeElements([c1.cidrs[0]])[0]), set: 'no_such_set' };
    const [mine, theirs, ...rest] = await nft.elementComments([
      ...masqueradeElements([c1.cidrs[0], c2.cidrs[1]]).map(elementQuery),
      ...absent,
      noSet,
      elementQuery(masqueradeElements([c2.cidrs[0]])[0]),
    ]);
    assert.is(mine, 'web/c1/eth0');
    assert.is(theirs, undefined); // c2's IPv6 address was not added
    assert.equal(rest.slice(0, 41), new Array(41).fill(undefined));
    assert.is(rest[41], 'web/c2/eth0');
  });
});

test.run();
