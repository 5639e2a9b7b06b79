import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import { withBerth, type Berth } from '../../helpers/berth';

const test = suite('berth run: /etc/hosts, /etc/hostname, /etc/resolv.conf (built executables, real kernel)');
const it = isRoot ? test : test.skip;

const DEFAULT_HOSTS =
  '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n' +
  'ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';
const SHOW = 'cat /etc/hosts; echo ==; cat /etc/hostname; echo ==; cat /etc/resolv.conf; echo ==; hostname';

async function filesIn(b: Berth, ...flags: string[]): Promise<{ hosts: string; hostname: string; resolv: string; uts: string }> {
  const r = await b('run', '--rm', ...flags, '--rootfs', b.rootfs, 'sh', '-c', SHOW);
  assert.is(r.code, 0, r.stderr);
  const [hosts, name, resolv, uts] = r.stdout.split('==\n');
  return { hosts, hostname: name, resolv, uts };
}

/** The host's resolv.conf as a container on no network sees it: loopback nameservers out (this host has none). */
const hostResolv = () => readFileSync('/etc/resolv.conf', 'utf8');
const containers = (b: Berth) => (existsSync(join(b.root, 'containers')) ? readdirSync(join(b.root, 'containers')) : []);

it('--network none: Docker default /etc/hosts, the short ID as /etc/hostname, the host resolv.conf', async () => {
  await withBerth(async (b) => {
    const f = await filesIn(b);
    assert.is(f.hosts, DEFAULT_HOSTS);
    assert.match(f.hostname, /^[0-9a-f]{12}\n$/);
    assert.is(f.uts, f.hostname);
    if (!/^nameserver\s+(127\.|::1)/m.test(hostResolv())) assert.is(f.resolv, hostResolv());
  });
});

it('--hostname, --add-host, --dns, --dns-search, --dns-option end up in the files', async () => {
  await withBerth(async (b) => {
    const f = await filesIn(
      b,
      ...['-h', 'myhost', '--add-host', 'foo:192.0.2.9', '--add-host', 'bar:2001:db8::9', '--dns', '192.0.2.1', '--dns', '2001:db8::1'],
      ...['--dns-search', 'a.example', '--dns-option', 'ndots:2'],
    );
    assert.is(f.hosts, `${DEFAULT_HOSTS}192.0.2.9\tfoo\n2001:db8::9\tbar\n`);
    assert.equal([f.hostname, f.uts], ['myhost\n', 'myhost\n']);
    assert.is(f.resolv, 'search a.example\nnameserver 192.0.2.1\nnameserver 2001:db8::1\noptions ndots:2\n');
  });
});

it("--network host: the host's /etc/hosts, hostname and resolv.conf", async () => {
  await withBerth(async (b) => {
    const f = await filesIn(b, '--network', 'host');
    assert.equal(f, {
      hosts: readFileSync('/etc/hosts', 'utf8'),
      hostname: `${hostname()}\n`,
      resolv: hostResolv(),
      uts: `${hostname()}\n`,
    });
    // As docker 20.10: HOSTNAME and Config.Hostname are the host's name; --hostname is taken, in the container's own UTS namespace.
    const env = await b('run', '--rm', '--network', 'host', '--rootfs', b.rootfs, 'env');
    assert.ok(env.stdout.split('\n').includes(`HOSTNAME=${hostname()}`), env.stdout);
    const id = (await b('create', '--network', 'host', '--rootfs', b.rootfs, 'true')).stdout.trim();
    assert.is((await b('inspect', '-f', '{{.Config.Hostname}}', id)).stdout, `${hostname()}\n`);
    const named = await filesIn(b, '--network', 'host', '-h', 'myhost');
    assert.equal([named.hostname, named.uts], ['myhost\n', 'myhost\n']);
    assert.is(named.hosts, readFileSync('/etc/hosts', 'utf8'));
    assert.is(readFileSync('/proc/sys/kernel/hostname', 'utf8'), `${hostname()}\n`, "the host's name is untouched");
    const refused = await b('create', '--network', `container:${id}`, '-h', 'x', '--rootfs', b.rootfs, 'true');
    assert.equal(
      [refused.code, refused.stderr],
      [1, 'berth: conflicting options: hostname and the network mode\n'],
      'dockerd refuses it: create exits 1',
    );
  });
});

it('the files live in the container dir, are written at start, and the image is never written', async () => {
  await withBerth(async (b) => {
    const id = (
      await b('create', '--add-host', 'db:192.0.2.7', '--read-only', '--rootfs', b.rootfs, 'sh', '-c', 'echo x >> /etc/hosts')
    ).stdout.trim();
    const start = await b('start', '-a', id);
    assert.is(start.code, 1, 'read-only root: the files are mounted read-only too');
    assert.match(readFileSync(join(b.root, 'containers', id, 'hosts'), 'utf8'), /192\.0\.2\.7\tdb\n$/);
    assert.is(existsSync(join(b.rootfs, 'etc/hosts')), false, 'nothing was added to the --rootfs dir');
    const inspect = JSON.parse((await b('inspect', id)).stdout)[0];
    assert.equal(inspect.HostConfig.ExtraHosts, ['db:192.0.2.7']);
    assert.is(inspect.HostsPath, join(b.root, 'containers', id, 'hosts'));
    assert.ok(existsSync(inspect.ResolvConfPath) && existsSync(inspect.HostnamePath));
    assert.equal([inspect.HostConfig.Dns, inspect.HostConfig.DnsSearch, inspect.HostConfig.DnsOptions], [[], [], []]);
  });
});

it("bad values are refused with Docker's wording, exit 125, and nothing is created", async () => {
  await withBerth(async (b) => {
    const cases: Array<[string[], string]> = [
      [['--dns', 'nope'], 'invalid argument "nope" for "--dns" flag: nope is not an ip address'],
      [['--dns-search', '-x-'], 'invalid argument "-x-" for "--dns-search" flag: -x- is not a valid domain'],
      [['--add-host', 'foo'], 'invalid argument "foo" for "--add-host" flag: bad format for add-host: "foo"'],
      [['--add-host', 'foo:1.2.3'], 'invalid argument "foo:1.2.3" for "--add-host" flag: invalid IP address in add-host: "1.2.3"'],
    ];
    for (const [flags, message] of cases) {
      const r = await b('run', '--rm', ...flags, '--rootfs', b.rootfs, 'true');
      assert.equal([r.code, r.stderr], [125, `berth: ${message}\nSee 'berth run --help'.\n`]);
    }
    assert.equal(containers(b), []);
  });
});

test.run();
