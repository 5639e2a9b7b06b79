/**
 * Docker's isolation of user-defined networks, on networks made by `berth network create`: no
 * forwarding between two of them, nor to the default `bridge`; a container attached to both
 * reaches each. Removing the last network leaves nothing of Berth in nftables.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensurePackages, isRoot, pings, succeeded } from '../../helpers/sandbox';
import { withNetHost } from './env';

const test = suite('berth network: isolation between user-defined networks (built executables, real kernel)');
const it = isRoot ? test : test.skip;
if (isRoot) ensurePackages('dnsmasq-base');

const addressOf = (attach: string) => JSON.parse(attach).result.ips[0].address.split('/')[0] as string;

it('two networks cannot reach each other nor the default bridge; a container on both reaches each', async () => {
  await withNetHost(async (h) => {
    succeeded(await h.berth('network', 'create', 'n1'));
    succeeded(await h.berth('network', 'create', 'n2'));
    // The default network as net-core makes it: netctl's `bridge` on berth0, isolated.
    succeeded(await h.netctl('create', 'bridge', '--bridge', 'berth0', '--subnet', '172.17.0.0/16', '--isolate'));
    const [c1, c2, c3, c4] = [h.container(), h.container(), h.container(), h.container()];
    const ip1 = addressOf(succeeded(await h.netctl('attach', 'n1', c1, '--format', 'json')).stdout);
    const ip2 = addressOf(succeeded(await h.netctl('attach', 'n2', c2, '--format', 'json')).stdout);
    const ip3on1 = addressOf(succeeded(await h.netctl('attach', 'n1', c3, '--format', 'json')).stdout);
    const ip3on2 = addressOf(succeeded(await h.netctl('attach', 'n2', c3, '--format', 'json')).stdout);
    const ip4 = addressOf(succeeded(await h.netctl('attach', 'bridge', c4, '--format', 'json')).stdout);
    assert.not.ok(await pings(c1, ip2), 'n1 -> n2 dropped');
    assert.not.ok(await pings(c2, ip1), 'n2 -> n1 dropped');
    assert.not.ok(await pings(c1, ip4), 'n1 -> default bridge dropped');
    assert.not.ok(await pings(c4, ip2), 'default bridge -> n2 dropped');
    assert.ok(await pings(c3, ip1), 'the container on both reaches n1');
    assert.ok(await pings(c3, ip2), 'the container on both reaches n2');
    assert.ok(await pings(c1, ip3on1), 'n1 reaches it on n1');
    assert.ok(await pings(c2, ip3on2), 'n2 reaches it on n2');
    for (const [net, c] of [
      ['n1', c1],
      ['n2', c2],
      ['n1', c3],
      ['n2', c3],
      ['bridge', c4],
    ])
      succeeded(await h.netctl('detach', net, c));
    succeeded(await h.berth('network', 'rm', 'n1'));
    assert.ok(
      (await h.ruleset()).some((o) => o.table?.name === 'berth'),
      'the tables stay while other networks have elements',
    );
    succeeded(await h.berth('network', 'rm', 'n2'));
    succeeded(await h.netctl('rm', 'bridge'));
    assert.equal(
      (await h.ruleset()).filter((o) => !o.metainfo),
      [],
      'no table, chain or set left after the last network',
    );
  });
});

test.run();
