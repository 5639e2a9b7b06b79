/**
 * berth containers on CNI networks, each test inside a throwaway "host" netns (berth, netctl, the
 * bridges and nftables live there) with an "outside" netns joined by a veth. State is read back
 * with ip -j, nft -j, the lease and cache dirs and /proc/self/mountinfo.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BIN_DIR, ipJson, isRoot, run, sourceSeenBy } from '../../helpers/sandbox';
import { countElements } from '../../helpers/topology';
import { narrowCpusetParent, ok, shimsUnder, withBerthInHost, type Berth } from '../../helpers/berth';
import { httpdArgs } from '../../helpers/rootfs';

const test = suite('berth: networks (--network, -p, connect, NAT, cleanup)');
const it = isRoot ? test : test.skip;

const inNs = (ns: string, cmd: string, args: string[]) => run('nsenter', [`--net=/run/netns/${ns}`, cmd, ...args]);
const netctl = (b: Berth, host: string, ...args: string[]) =>
  inNs(host, join(BIN_DIR, 'netctl'), ['--config-dir', b.cniConfigDir, '--cache-dir', b.cniCacheDir, ...args]);
const inspect = async (b: Berth, ref: string) => JSON.parse((await b('inspect', ref)).stdout)[0];
const HTTP_GET = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3`;

async function createNetwork(b: Berth, host: string, name: string, subnet: string): Promise<void> {
  const r = await netctl(
    b,
    host,
    'create',
    name,
    '--subnet',
    subnet,
    '--firewall-dir',
    join(b.stateDir, 'firewall'),
    '--lease-dir',
    join(b.cniCacheDir, 'networks'),
  );
  assert.is(r.code, 0, r.stderr);
}

/** Everything berth made for container `id` in `host`: links, leases, cache files, nft elements, netns files and mounts. */
function leftovers(b: Berth, host: string, id: string): string[] {
  const out: string[] = [];
  const veths = ipJson(host, ['link', 'show', 'type', 'veth'])
    .map((l) => l.ifname as string)
    .filter((n) => n.startsWith('veth'));
  if (veths.length) out.push(`veths ${veths.join(',')}`);
  const leaseDir = join(b.cniCacheDir, 'networks');
  for (const net of existsSync(leaseDir) ? readdirSync(leaseDir) : [])
    for (const f of readdirSync(join(leaseDir, net)))
      if (/^[\d.]+$|:/.test(f) && readFileSync(join(leaseDir, net, f), 'utf8').includes(id)) out.push(`lease ${net}/${f}`);
  const results = join(b.cniCacheDir, 'results');
  for (const f of existsSync(results) ? readdirSync(results) : []) out.push(`cache ${f}`);
  const netnsDir = join(b.stateDir, 'netns');
  for (const f of existsSync(netnsDir) ? readdirSync(netnsDir) : []) out.push(`netns file ${f}`);
  if (readFileSync('/proc/self/mountinfo', 'utf8').includes(netnsDir)) out.push('netns mount');
  const elements = countElements(host, id.slice(0, 12)) + countElements(host, id);
  if (elements) out.push(`${elements} nft elements`);
  return out;
}

it('two containers on a netctl network reach each other; container:CTR shares a netns; connect and disconnect', async () => {
  await withBerthInHost(async (b, host) => {
    await createNetwork(b, host, 'front', '10.91.1.0/24');
    await createNetwork(b, host, 'back', '10.91.2.0/24');
    const a = (
      await ok(b('run', '-d', '--name', 'ca', '--network', 'front', '--ip', '10.91.1.50', '--rootfs', b.rootfs, 'sleep', '1000'))
    ).trim();
    const ping = await b('run', '--rm', '--network', 'front', '--rootfs', b.rootfs, 'ping', '-c', '1', '-W', '3', '10.91.1.50');
    assert.is(ping.code, 0, ping.stdout + ping.stderr);
    const shared = await ok(b('run', '--rm', '--network', 'container:ca', '--rootfs', b.rootfs, 'ip', '-o', '-4', 'addr', 'show', 'eth0'));
    assert.match(shared, /inet 10\.91\.1\.50\/24/);
    const net = (await inspect(b, a)).NetworkSettings.Networks;
    assert.equal(
      [Object.keys(net), net.front.IPAddress, net.front.IPPrefixLen, net.front.Gateway],
      [['front'], '10.91.1.50', 24, '10.91.1.1'],
    );
    assert.match(net.front.MacAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);

    await ok(b('network', 'connect', '--ip', '10.91.2.9', 'back', 'ca'));
    assert.match(await ok(b('exec', 'ca', 'ip', '-o', '-4', 'addr')), /eth1\s+inet 10\.91\.2\.9\/24/);
    assert.equal(Object.keys((await inspect(b, a)).NetworkSettings.Networks), ['front', 'back']);
    const again = await b('network', 'connect', 'back', 'ca');
    assert.match(again.stderr, /endpoint with name ca already exists in network back/);
    // dockerd's words: the network by name only, and none refused as a private mode.
    assert.equal(
      [(await b('network', 'connect', 'nosuch', 'ca')).stderr, (await b('network', 'connect', 'none', 'ca')).stderr],
      [
        'berth: network nosuch not found\n',
        'berth: container cannot be connected to multiple networks with one of the networks in private (none) mode\n',
      ],
    );
    await ok(b('network', 'disconnect', 'front', 'ca'));
    const addrs = await ok(b('exec', 'ca', 'ip', '-o', '-4', 'addr'));
    assert.not.match(addrs, /10\.91\.1\./);
    assert.equal(Object.keys((await inspect(b, a)).NetworkSettings.Networks), ['back']);
    await ok(b('rm', '-f', 'ca'));
    assert.equal(leftovers(b, host, a), []);
  });
});

it('-p answers from outside, from 127.0.0.1 and from the container itself; NAT out shows the host address', async () => {
  await withBerthInHost(
    async (b, host, outside) => {
      mkdirSync(join(b.rootfs, 'www'));
      writeFileSync(join(b.rootfs, 'www/index.html'), 'hello from berth\n');
      await createNetwork(b, host, 'web', '10.91.3.0/24');
      const id = (
        await ok(
          b(
            'run',
            '-d',
            '--name',
            'web',
            '--network',
            'web',
            '-p',
            '8080:80',
            '-p',
            '53/udp',
            '-p',
            '0:81',
            '--rootfs',
            b.rootfs,
            ...httpdArgs('/www'),
          ),
        )
      ).trim();
      const fromOutside = await inNs(outside, '/bin/busybox', ['sh', '-c', `${HTTP_GET} 198.51.100.1 8080`]);
      assert.match(fromOutside.stdout, /hello from berth/, fromOutside.stderr);
      const fromHost = await inNs(host, '/bin/busybox', ['sh', '-c', `${HTTP_GET} 127.0.0.1 8080`]);
      assert.match(fromHost.stdout, /hello from berth/, fromHost.stderr);
      const hairpin = await b('exec', 'web', 'sh', '-c', `${HTTP_GET} 198.51.100.1 8080`);
      assert.match(hairpin.stdout, /hello from berth/, hairpin.stderr);

      const lines = (await ok(b('port', 'web'))).trim().split('\n');
      assert.is(lines[0], '80/tcp -> 0.0.0.0:8080');
      assert.match(lines[1], /^53\/udp -> 0\.0\.0\.0:\d+$/);
      // Host port 0 asks for a free one, as in Docker.
      assert.match(lines[2], /^81\/tcp -> 0\.0\.0\.0:([1-9]\d*)$/);
      assert.is(await ok(b('port', 'web', '80')), '0.0.0.0:8080\n');
      // docker's DisplayablePorts order: by container port
      assert.match(await ok(b('ps')), /0\.0\.0\.0:\d+->53\/udp, 0\.0\.0\.0:8080->80\/tcp/);
      const info = await inspect(b, id);
      assert.equal(info.HostConfig.PortBindings['80/tcp'], [{ HostIp: '', HostPort: '8080' }]);
      assert.equal(info.NetworkSettings.Ports['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: '8080' }]);

      const source = await sourceSeenBy(outside, 9099, () =>
        b('run', '--rm', '--network', 'web', '--rootfs', b.rootfs, 'sh', '-c', 'echo x | nc -w 2 198.51.100.2 9099'),
      );
      assert.is(source, '198.51.100.1');
      await ok(b('stop', '-t', '1', 'web'));
      assert.equal(leftovers(b, host, id), []);
    },
    { outside: true },
  );
});

it('the default network is bridge (berth0, 172.17.0.0/16); SIGKILL of the supervisor, then gc, leaves nothing', async () => {
  await withBerthInHost(async (b, host) => {
    const once = await ok(b('run', '--rm', '--rootfs', b.rootfs, 'ip', '-o', '-4', 'addr', 'show', 'eth0'));
    assert.match(once, /inet 172\.17\.0\.\d+\/16/);
    assert.equal(
      ipJson(host, ['-4', 'addr', 'show', 'berth0'])[0].addr_info.map((a: { local: string }) => a.local),
      ['172.17.0.1'],
    );
    const id = (await ok(b('run', '-d', '--rootfs', b.rootfs, 'sleep', '1000'))).trim();
    assert.is(leftovers(b, host, id).length > 0, true, 'attached while it runs');
    const shim = JSON.parse(readFileSync(join(b.stateDir, 'containers', id, 'shim.json'), 'utf8')).shimPid as number;
    process.kill(shim, 'SIGKILL');
    for (let i = 0; i < 200 && existsSync(`/proc/${shim}`); i++) await new Promise((r) => setTimeout(r, 25));
    const gc = await ok(b('gc'));
    assert.match(gc, new RegExp(id));
    assert.equal(leftovers(b, host, id), []);
  });
});

it('the command runs only after ADD: it sees its address in /etc/hosts; a failed ADD runs nothing and leaves nothing', async () => {
  await withBerthInHost(async (b, host) => {
    await createNetwork(b, host, 'front', '10.91.3.0/24');
    const seen = await ok(
      b(
        'run',
        '--rm',
        '--network',
        'front',
        '--name',
        'early',
        '--rootfs',
        b.rootfs,
        'sh',
        '-c',
        'ip -o -4 addr show eth0; cat /etc/hosts',
      ),
    );
    const address = /inet (10\.91\.3\.\d+)\//.exec(seen)?.[1];
    assert.ok(address, seen);
    assert.match(seen, new RegExp(`^${address.replace(/\./g, '\\.')}\\s.*\\bearly\\b`, 'm'));
    const failed = await b('run', '--name', 'bad', '--network', 'front', '--ip', '10.99.0.5', '--rootfs', b.rootfs, 'sh', '-c', 'echo ran');
    assert.is(failed.code, 125, failed.stdout + failed.stderr);
    assert.match(failed.stderr, /10\.99\.0\.5/);
    assert.is(failed.stdout, '');
    const id = (await ok(b('inspect', '--format', '{{.Id}}', 'bad'))).trim();
    assert.is((await ok(b('logs', 'bad'))).trim(), '', 'the command never ran');
    assert.equal(leftovers(b, host, id), []);
    assert.equal(await ok(b('ps', '-q')), '');
    // Refused before any plugin runs (a host port in use): nothing left either.
    const web = (await ok(b('run', '-d', '--network', 'front', '-p', '18080:80', '--rootfs', b.rootfs, 'sleep', '1000'))).trim();
    const busy = await b('run', '--name', 'busy', '--network', 'front', '-p', '18080:80', '--rootfs', b.rootfs, 'true');
    assert.is(busy.code, 125, busy.stdout + busy.stderr);
    assert.match(busy.stderr, /18080\/tcp is already in use/);
    assert.equal((await ok(b('ps', '-q', '--no-trunc'))).trim(), web);
    // Refused by the IPAM inside bridge's ADD, which starts before the supervisor has made the netns:
    // the undo waits for it, the command never runs, nothing is left.
    const webIp = (await ok(b('inspect', '--format', '{{.NetworkSettings.Networks.front.IPAddress}}', web))).trim();
    const taken = await b('run', '--name', 'taken', '--network', 'front', '--ip', webIp, '--rootfs', b.rootfs, 'sh', '-c', 'echo ran');
    assert.is(taken.code, 125, taken.stdout + taken.stderr);
    assert.match(taken.stderr, new RegExp(webIp.replace(/\./g, '\\.')));
    assert.is(taken.stdout, '');
    const takenId = (await ok(b('inspect', '--format', '{{.Id}}', 'taken'))).trim();
    assert.is((await ok(b('logs', 'taken'))).trim(), '', 'the command never ran');
    assert.is(await ok(b('ps', '-a', '--filter', 'name=taken', '--format', '{{.Status}}')), 'Created\n');
    const busyId = (await ok(b('inspect', '--format', '{{.Id}}', 'busy'))).trim();
    assert.is(await ok(b('ps', '-a', '--filter', 'name=busy', '--format', '{{.Status}}')), 'Created\n', 'never ran: Created, as docker');
    await ok(b('rm', '-f', web));
    assert.equal(leftovers(b, host, busyId), []);
    assert.equal(leftovers(b, host, takenId), []);
    assert.is(await ok(b('start', '-a', 'busy')), '', 'the port is free now');
    assert.match(await ok(b('ps', '-a', '--filter', 'name=busy', '--format', '{{.Status}}')), /^Exited \(0\)/);
  });
});

// The one-CPU parent needs a cpuset hierarchy and two CPUs.
(existsSync('/sys/fs/cgroup/cpuset') && availableParallelism() >= 2 ? it : test.skip)(
  'a cgroup that cannot be made at a network start leaves nothing: no supervisor, netns file or mount',
  async () => {
    await withBerthInHost(async (b, host) => {
      await createNetwork(b, host, 'front', '10.91.4.0/24');
      const { parent } = narrowCpusetParent();
      const r = await b(
        'run',
        '--name',
        'narrow',
        '--network',
        'front',
        '--cgroup-parent',
        parent,
        '--cpuset-cpus',
        '1',
        '--rootfs',
        b.rootfs,
        'true',
      );
      assert.equal([r.code, r.stderr], [125, 'berth: Requested CPUs are not available - requested 1, available: 0\n']);
      assert.equal(shimsUnder(join(b.root, '..')), [], 'no supervisor is left');
      const id = (await ok(b('inspect', '--format', '{{.Id}}', 'narrow'))).trim();
      assert.equal(leftovers(b, host, id), []);
    });
  },
);

test.run();
