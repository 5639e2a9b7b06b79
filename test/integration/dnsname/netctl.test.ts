/** `netctl create --dns` writes dnsname into the conflist; `attach --name/--alias` names resolve through it. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensurePackages, isRoot, succeeded, uniqueName } from '../../helpers/sandbox';
import { withHost } from '../netctl/env';
import { killOurDnsmasqs, resolve } from './dns';

const it = isRoot ? test : test.skip;
if (isRoot) ensurePackages('dnsmasq-base', 'dnsutils');

it('netctl create --dns; attach --name/--alias: names resolve, the last detach stops dnsmasq', async () => {
  await withHost(async (h) => {
    const stateDir = join(h.dir, 'dnsname');
    try {
      const name = uniqueName('dn');
      succeeded(await h.create(name, '--dns'));
      // The test's own state dir instead of /run/containers/cni/dnsname.
      const file = join(h.conf, `${name}.conflist`);
      const list = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(
        list.plugins.map((p: any) => p.type),
        ['bridge', 'portmap', 'dnsname'],
      );
      list.plugins[2].stateDir = stateDir;
      writeFileSync(file, JSON.stringify(list));
      const [c1, c2] = [h.container(), h.container()];
      const a1 = JSON.parse(succeeded(await h.netctl('attach', name, c1, '--name', 'web', '--alias', 'www', '--format', 'json')).stdout);
      succeeded(await h.netctl('attach', name, c2, '--name', 'client'));
      const gateway = a1.result.ips[0].gateway;
      const ip1 = a1.result.ips[0].address.split('/')[0];
      assert.equal(a1.result.dns.nameservers, [gateway]);
      assert.equal(await resolve(c2, gateway, 'web.dns.podman'), [ip1]);
      assert.equal(await resolve(c2, gateway, 'www'), [ip1]);
      succeeded(await h.netctl('detach', name, c1));
      assert.equal(await resolve(c2, gateway, 'web.dns.podman'), []);
      succeeded(await h.netctl('detach', name, c2));
      assert.not.ok(existsSync(join(stateDir, name)), 'the last detach stops dnsmasq and removes its files');
    } finally {
      killOurDnsmasqs(stateDir);
    }
  });
});

test.run();
