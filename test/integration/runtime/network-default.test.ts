/**
 * The default `bridge` network (berth0) inside a throwaway "host" netns with an "outside" netns
 * joined by a veth: -P publishes every ExposedPorts entry of an image, and the ports answer from
 * outside; --network-alias (and connect --alias) on bridge is refused with Docker's words.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipJson, isRoot, run } from '../../helpers/sandbox';
import { tarDirectory } from '../../helpers/rootfs';
import { ok, withBerthInHost, type Berth } from '../../helpers/berth';

const test = suite('berth: the default bridge network (-P, --network-alias)');
const it = isRoot ? test : test.skip;

const inNs = (ns: string, cmd: string, args: string[]) => run('nsenter', [`--net=/run/netns/${ns}`, cmd, ...args]);
const HTTP_GET = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3`;
const containers = (b: Berth) => (existsSync(join(b.root, 'containers')) ? readdirSync(join(b.root, 'containers')) : []);

it('-P on bridge publishes every ExposedPorts entry to a free port that answers from outside', async () => {
  await withBerthInHost(
    async (b, host, outside) => {
      mkdirSync(join(b.rootfs, 'www'));
      writeFileSync(join(b.rootfs, 'www/index.html'), 'hello from -P\n');
      const tar = tarDirectory(b.rootfs, join(b.root, '..', 'rootfs.tar'));
      await ok(b('image', 'import', '-c', 'EXPOSE 80', '-c', 'EXPOSE 8081/tcp 53/udp', tar, 'exposed:1'));
      const inspectImage = JSON.parse(await ok(b('image', 'inspect', 'exposed:1')))[0];
      assert.equal(Object.keys(inspectImage.Config.ExposedPorts).sort(), ['53/udp', '80/tcp', '8081/tcp']);
      const id = (
        await ok(b('run', '-d', '--name', 'web', '-P', 'exposed:1', 'sh', '-c', 'httpd -p 8081 -h /www; exec httpd -f -p 80 -h /www'))
      ).trim();
      const info = JSON.parse(await ok(b('inspect', id)))[0];
      assert.equal(Object.keys(info.NetworkSettings.Networks), ['bridge']);
      assert.equal([info.HostConfig.NetworkMode, info.Config.Env], ['default', null], "no --network, no env: dockerd's default and null");
      const env = (await ok(b('exec', id, 'env'))).split('\n');
      assert.ok(
        env.includes(`HOSTNAME=${id.slice(0, 12)}`) && env.includes('HOME=/root') && env.some((e) => e.startsWith('PATH=')),
        env.join(' '),
      );
      assert.is((await b('port', 'web', 'abc')).stderr, 'berth: strconv.ParseUint: parsing "abc": invalid syntax\n');
      assert.is((await b('port', id.slice(0, 10), '80/abc')).stderr, `Error: No public port '80/abc' published for ${id.slice(0, 10)}\n`);
      assert.is(info.HostConfig.PublishAllPorts, true);
      const ports = info.NetworkSettings.Ports as Record<string, Array<{ HostIp: string; HostPort: string }>>;
      assert.equal(Object.keys(ports).sort(), ['53/udp', '80/tcp', '8081/tcp']);
      const hostPort = (key: string) => {
        assert.is(ports[key].length, 1, key);
        assert.is(ports[key][0].HostIp, '0.0.0.0');
        const n = Number(ports[key][0].HostPort);
        assert.ok(n > 0 && n < 65536, `${key} -> ${ports[key][0].HostPort}`);
        return n;
      };
      const p80 = hostPort('80/tcp'),
        p8081 = hostPort('8081/tcp');
      hostPort('53/udp');
      assert.is.not(p80, p8081);
      const lines = (await ok(b('port', 'web'))).trim().split('\n').sort();
      assert.equal(
        lines,
        [`53/udp -> 0.0.0.0:${ports['53/udp'][0].HostPort}`, `80/tcp -> 0.0.0.0:${p80}`, `8081/tcp -> 0.0.0.0:${p8081}`].sort(),
      );
      for (const port of [p80, p8081]) {
        const got = await inNs(outside, '/bin/busybox', ['sh', '-c', `${HTTP_GET} 198.51.100.1 ${port}`]);
        assert.match(got.stdout, /hello from -P/, `port ${port} from outside: ${got.stderr}`);
      }
      assert.equal(
        ipJson(host, ['-4', 'addr', 'show', 'berth0'])[0].addr_info.map((a: { local: string }) => a.local),
        ['172.17.0.1'],
        'on the default bridge',
      );
      await ok(b('rm', '-f', 'web'));
    },
    { outside: true },
  );
});

it("stats NET I/O counts the container's interfaces (not lo), none with --network host", async () => {
  await withBerthInHost(async (b, host) => {
    // 3 pings of the gateway: 3 x 98 bytes sent at least, besides ARP.
    await ok(b('run', '-d', '--name', 'talker', '--rootfs', b.rootfs, 'sh', '-c', 'ping -c 3 -i 0.2 172.17.0.1; sleep 1000'));
    await ok(b('run', '-d', '--name', 'hostnet', '--network', 'host', '--rootfs', b.rootfs, 'sleep', '1000'));
    let sent = 0;
    for (let i = 0; i < 15 && sent < 3 * 98; i++) {
      const [rx, tx] = (await ok(b('stats', '--no-stream', '--format', '{{.NetIO}}', 'talker'))).trim().split(' / ');
      sent = Number(tx.replace(/B$/, '').replace(/k$/, 'e3'));
      assert.ok(rx !== '0B' || sent === 0, `received ${rx}, sent ${tx}`);
    }
    assert.ok(sent >= 3 * 98, `sent ${sent} bytes`);
    assert.is(await ok(b('stats', '--no-stream', '--format', '{{.NetIO}}', 'hostnet')), '0B / 0B\n');
    await ok(b('rm', '-f', 'talker', 'hostnet'));
  });
});

it('--network-alias on bridge is refused with Docker words, exit 125 (create: 1), nothing made; connect --alias/--ip to bridge too', async () => {
  await withBerthInHost(async (b, host) => {
    const ALIAS = 'berth: network-scoped alias is supported only for containers in user defined networks\n';
    for (const args of [
      ['run', '--rm', '--network-alias', 'web', '--rootfs', b.rootfs, 'true'],
      ['run', '--network', 'bridge', '--network-alias', 'web', '--rootfs', b.rootfs, 'true'],
      ['create', '--network-alias', 'web', '--rootfs', b.rootfs, 'true'],
    ]) {
      const r = await b(...args);
      // dockerd's check: create exits 1 for it, run 125
      assert.equal([r.code, r.stderr], [args[0] === 'create' ? 1 : 125, ALIAS], args.join(' '));
    }
    const mac = await b('run', '--mac-address', 'zz', '--rootfs', b.rootfs, 'true');
    assert.equal([mac.code, mac.stderr], [125, 'berth: zz is not a valid mac address\n'], 'checked before the CNI ADD');
    assert.equal(containers(b), [], 'no container is left');
    assert.equal(
      ipJson(host, ['link', 'show']).filter((l) => l.ifname === 'berth0'),
      [],
      'no bridge was made',
    );

    await ok(b('network', 'create', '--subnet', '10.91.7.0/24', 'front'));
    await ok(b('create', '--name', 'later', '--network', 'front', '--rootfs', b.rootfs, 'true'));
    const before = JSON.parse(await ok(b('inspect', 'later')))[0];
    const alias = await b('network', 'connect', '--alias', 'web', 'bridge', 'later');
    assert.is(alias.code, 1, 'a daemon error of network connect (docker: 1)');
    assert.is(alias.stderr, 'berth: network-scoped alias is supported only for containers in user defined networks\n');
    const ip = await b('network', 'connect', '--ip', '172.17.0.9', 'bridge', 'later');
    assert.is(ip.stderr, 'berth: user specified IP address is supported on user defined networks only\n');
    const info = JSON.parse(await ok(b('inspect', 'later')))[0];
    assert.equal(Object.keys(info.NetworkSettings.Networks ?? {}), Object.keys(before.NetworkSettings.Networks ?? {}), 'nothing changed');
    await ok(b('rm', 'later'));
    await ok(b('network', 'rm', 'front'));
  });
});

it('--ip on a network made without --subnet: refused at start as dockerd, the container stays Created; connect --ip too', async () => {
  await withBerthInHost(async (b, host) => {
    const NO_SUBNET = 'user specified IP address is supported only when connecting to networks with user configured subnets';
    await ok(b('network', 'create', 'auto'));
    const [auto] = JSON.parse(await ok(b('network', 'inspect', 'auto')));
    const picked = auto.IPAM.Config[0].Subnet as string;
    const fixed = picked.replace(/\.0\/\d+$/, '.50');
    const run = await b('run', '--name', 'ipx', '--network', 'auto', '--ip', fixed, '--rootfs', b.rootfs, 'echo', 'ran');
    assert.equal([run.code, run.stdout], [125, ''], run.stderr);
    assert.is(run.stderr, `berth: ${NO_SUBNET}\n`);
    assert.is(JSON.parse(await ok(b('inspect', 'ipx')))[0].State.Status, 'created');
    assert.equal(ipJson(host, ['link', 'show', 'type', 'veth']), [], 'no veth is left');
    await ok(b('network', 'create', '--subnet', '10.91.8.0/24', 'given'));
    await ok(b('create', '--name', 'plain', '--network', 'given', '--ip', '10.91.8.9', '--rootfs', b.rootfs, 'sleep', '1000'));
    assert.match((await b('network', 'connect', '--ip', fixed, 'auto', 'plain')).stderr, NO_SUBNET, 'created');
    await ok(b('start', 'plain'));
    assert.match((await b('network', 'connect', '--ip', fixed, 'auto', 'plain')).stderr, NO_SUBNET, 'running');
    await ok(b('network', 'connect', 'auto', 'plain'));
    const addresses = await ok(b('exec', 'plain', 'ip', '-o', '-4', 'addr'));
    assert.match(addresses, /10\.91\.8\.9\//);
    assert.match(addresses, new RegExp(`inet ${picked.split('.').slice(0, 3).join('\\.')}\\.`));
    await ok(b('rm', '-f', 'ipx', 'plain'));
    await ok(b('network', 'rm', 'auto', 'given'));
  });
});

it('IPv6 as docker 20.10: none in bridge and none containers (no fe80::, no ::1), on for an IPv6 network', async () => {
  await withBerthInHost(async (b) => {
    const SHOW = 'for i in all default lo; do echo $i=$(cat /proc/sys/net/ipv6/conf/$i/disable_ipv6); done; ip -6 -o addr';
    for (const net of ['bridge', 'none']) {
      const got = await ok(b('run', '--rm', '--network', net, '--rootfs', b.rootfs, 'sh', '-c', SHOW));
      assert.is(got, 'all=1\ndefault=1\nlo=1\n', net);
    }
    await ok(b('network', 'create', '--ipv6', '--subnet', 'fd00:91:9::/64', 'six'));
    const six = await ok(b('run', '--rm', '--network', 'six', '--rootfs', b.rootfs, 'sh', '-c', SHOW));
    assert.match(six, /^all=1\ndefault=1\nlo=0\n/);
    assert.match(six, /lo +inet6 ::1\/128/);
    assert.match(six, /eth0 +inet6 fd00:91:9::\d+\/64/);
    await ok(b('network', 'rm', 'six'));
  });
});

it('free host ports count up from the ephemeral range per protocol; a host range gives its first free port (docker 20.10)', async () => {
  await withBerthInHost(async (b, host) => {
    assert.is((await run('ip', ['netns', 'exec', host, 'sysctl', '-qw', 'net.ipv4.ip_local_port_range=41000 41009'])).code, 0);
    const port = async (name: string) => (await ok(b('port', name))).trim().split('\n').sort();
    await ok(b('run', '-d', '--name', 'p1', '-p', '80', '--rootfs', b.rootfs, 'sleep', '1000'));
    await ok(b('run', '-d', '--name', 'p2', '-p', '80', '-p', '81/udp', '--rootfs', b.rootfs, 'sleep', '1000'));
    assert.equal(await port('p1'), ['80/tcp -> 0.0.0.0:41000']);
    assert.equal(await port('p2'), ['80/tcp -> 0.0.0.0:41001', '81/udp -> 0.0.0.0:41000']);
    for (const name of ['r1', 'r2']) await ok(b('run', '-d', '--name', name, '-p', '8082-8083:80', '--rootfs', b.rootfs, 'sleep', '1000'));
    assert.equal([await port('r1'), await port('r2')], [['80/tcp -> 0.0.0.0:8082'], ['80/tcp -> 0.0.0.0:8083']]);
    const [r2] = JSON.parse(await ok(b('inspect', 'r2')));
    assert.equal(r2.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8082-8083' }] });
    const full = await b('run', '-d', '--name', 'r3', '-p', '8082-8083:80', '--rootfs', b.rootfs, 'sleep', '1000');
    assert.equal([full.code, full.stderr], [125, 'berth: cannot attach to network "bridge": no free host port for 80/tcp in 8082-8083\n']);
    await ok(b('rm', '-f', 'r1'));
    await ok(b('start', 'r3'));
    assert.equal(await port('r3'), ['80/tcp -> 0.0.0.0:8082'], 'the range again at the next start');
    await ok(b('rm', '-f', 'p1', 'p2', 'r2', 'r3'));
  });
});

test.run();
