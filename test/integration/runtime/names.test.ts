/**
 * The notes' two-container app on a user-defined network made by `berth network create`: a web
 * container and a client that finds it by name and alias (dnsname's dnsmasq), /etc/hosts and
 * /etc/resolv.conf as the network gives them, and a container of another network that cannot.
 * Everything runs inside a throwaway "host" netns.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import { ok, withBerthInHost, type Berth } from '../../helpers/berth';
import { httpdArgs } from '../../helpers/rootfs';

const test = suite('berth: names resolve on a user-defined network (berth network create, dnsname)');
const it = isRoot ? test : test.skip;

const inspect = async (b: Berth, ref: string) => JSON.parse(await ok(b('inspect', ref)))[0];

it('a client finds the web container by name and alias; another network does not; rm leaves no dnsmasq', async () => {
  await withBerthInHost(async (b) => {
    await ok(b('network', 'create', '--subnet', '10.93.1.0/24', 'app'));
    await ok(b('network', 'create', '--subnet', '10.93.2.0/24', 'other'));
    await ok(b('run', '-d', '--name', 'web', '--network', 'app', '--network-alias', 'www', '--rootfs', b.rootfs, ...httpdArgs('/data')));
    const webIp = (await inspect(b, 'web')).NetworkSettings.Networks.app.IPAddress as string;
    assert.match(webIp, /^10\.93\.1\.\d+$/);

    const hosts = await ok(b('exec', 'web', 'cat', '/etc/hosts'));
    assert.match(hosts, new RegExp(`^${webIp.replace(/\./g, '\\.')}\\t.*\\bweb\\b.*\\bwww\\b`, 'm'));
    const resolv = await ok(b('run', '--rm', '--network', 'app', '--rootfs', b.rootfs, 'cat', '/etc/resolv.conf'));
    assert.match(resolv, /^nameserver 10\.93\.1\.1$/m, 'the network gateway, where dnsname serves');

    for (const name of ['web', 'www']) {
      const found = await ok(b('run', '--rm', '--network', 'app', '--rootfs', b.rootfs, 'nslookup', name));
      assert.match(found, new RegExp(`Address:? ${webIp.replace(/\./g, '\\.')}`), found);
    }
    const page = await ok(
      b(
        'run',
        '--rm',
        '--network',
        'app',
        '--rootfs',
        b.rootfs,
        'sh',
        '-c',
        `printf 'GET /hello.txt HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${webIp} 80`,
      ),
    );
    assert.match(page, /hello from the image/);

    const stranger = await b('run', '--rm', '--network', 'other', '--rootfs', b.rootfs, 'nslookup', 'web');
    assert.not.match(stranger.stdout, new RegExp(webIp.replace(/\./g, '\\.')), 'another network does not resolve web');

    await ok(b('rm', '-f', 'web'));
    await ok(b('network', 'rm', 'app', 'other'));
    const dns = join(b.stateDir, 'dnsname');
    // The per-network lock files stay (removing a lock file races with its next taker).
    assert.equal(existsSync(dns) ? readdirSync(dns).filter((f) => !f.endsWith('.lock')) : [], [], 'no dnsmasq state left');
    const dnsmasqs = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dns);
        } catch {
          return false;
        }
      });
    assert.equal(dnsmasqs, [], 'no dnsmasq left running');
  });
});

test.run();
