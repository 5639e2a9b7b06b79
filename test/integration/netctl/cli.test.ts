import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addrsOf, ipJson, isRoot, linkOf, pings, run, sh, succeeded } from '../../helpers/sandbox';
import { NETCTL, withHost } from './env';

const cli = suite('netctl (built executable, throwaway host namespace, temp dirs)');
const it = isRoot ? cli : cli.skip;

/** The one line netctl prints on stderr for a failure, and its exit code. */
const failure = (r: { code: number; stderr: string }) => ({ code: r.code, stderr: r.stderr });

it('create writes NAME.conflist with a pool subnet and a derived bridge; ls and inspect show it', async () => {
  await withHost(async (h) => {
    const r = succeeded(await h.create('web', '--label', 'team=a'));
    assert.match(r.stdout, /^web  br-[0-9a-f]{12}  10\.89\.0\.0\/24\n$/);
    const file = join(h.conf, 'web.conflist');
    const conf = JSON.parse(readFileSync(file, 'utf8'));
    assert.is(conf.cniVersion, '1.0.0');
    assert.equal(
      conf.plugins.map((p: any) => p.type),
      ['bridge', 'portmap'],
    );
    assert.equal(conf.plugins[0].ipam.ranges, [[{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }]]);
    assert.equal(conf.berth.labels, { team: 'a' });
    // No temp file left beside it.
    assert.equal(
      readdirSync(h.conf).filter((f) => !f.startsWith('.netctl.lock')),
      ['web.conflist'],
    );
    succeeded(await h.create('db', '--subnet', '192.0.2.0/24', '--subnet', '2001:db8::/64', '--internal'));
    const ls = succeeded(await h.netctl('ls'));
    assert.match(ls.stdout, /^NAME +DRIVER +BRIDGE +SUBNETS +CONTAINERS\n/);
    assert.match(ls.stdout, /\ndb +bridge +br-[0-9a-f]{12} +192\.0\.2\.0\/24,2001:db8::\/64 +0\n/);
    assert.is(succeeded(await h.netctl('ls', '-q')).stdout, 'db\nweb\n');
    const json = succeeded(await h.netctl('ls', '--format', 'json')).json;
    assert.equal(
      json.map((n: any) => [n.name, n.internal, n.containers]),
      [
        ['db', true, 0],
        ['web', false, 0],
      ],
    );
    const [info] = succeeded(await h.netctl('inspect', 'web')).json;
    assert.is(info.name, 'web');
    assert.equal(info.labels, { team: 'a' });
    assert.is(info.state.bridge.exists, false);
    assert.equal(info.state.containers, []);
    assert.equal(info.config, conf);
  });
});

it('create picks a subnet that no route or address of the host uses', async () => {
  await withHost(async (h) => {
    sh('ip', ['-n', h.ns, 'link', 'add', 'dummy0', 'type', 'veth', 'peer', 'name', 'dummy1']);
    sh('ip', ['-n', h.ns, 'addr', 'add', '10.89.0.7/24', 'dev', 'dummy0']);
    sh('ip', ['-n', h.ns, 'link', 'set', 'dummy0', 'up']);
    sh('ip', ['-n', h.ns, 'route', 'add', '10.89.1.0/25', 'dev', 'dummy0']);
    assert.match(succeeded(await h.create('a')).stdout, / 10\.89\.2\.0\/24\n$/);
    assert.match(succeeded(await h.create('b', '--subnet-pool', '172.31.0.0/16', '--subnet-size', '26')).stdout, / 172\.31\.0\.0\/26\n$/);
  });
});

it('create refuses a taken name, a taken bridge, an overlapping subnet, a gateway outside, a bad name', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('web', '--subnet', '10.1.0.0/16', '--bridge', 'brweb'));
    const file = join(h.conf, 'web.conflist');
    assert.equal(failure(await h.create('web')), {
      code: 1,
      stderr: `netctl: cannot create network "web": a network of that name already exists in ${JSON.stringify(file)}\n`,
    });
    assert.equal(failure(await h.create('web2', '--bridge', 'brweb')), {
      code: 1,
      stderr: 'netctl: cannot create network "web2": bridge "brweb" is already used by network "web"\n',
    });
    assert.equal(failure(await h.create('web3', '--bridge', 'lo')), {
      code: 1,
      stderr: 'netctl: cannot create network "web3": bridge "lo" already exists on the host\n',
    });
    assert.equal(failure(await h.create('web4', '--subnet', '10.1.2.0/24')), {
      code: 1,
      stderr: 'netctl: cannot create network "web4": subnet "10.1.2.0/24" overlaps subnet "10.1.0.0/16" of network "web"\n',
    });
    assert.equal(failure(await h.create('web5', '--subnet', '10.2.0.0/24', '--gateway', '10.3.0.1')), {
      code: 2,
      stderr: 'netctl: invalid gateway "10.3.0.1": outside subnet "10.2.0.0/24"\n',
    });
    assert.equal(failure(await h.create('we b')), {
      code: 2,
      stderr: 'netctl: invalid network name "we b": must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$\n',
    });
    assert.equal(failure(await h.create('web6', '--mtu', 'big')), { code: 2, stderr: 'netctl: invalid mtu "big": not a whole number\n' });
    assert.equal(failure(await h.create('web7', '--bridge', 'b'.repeat(16))), {
      code: 2,
      stderr: `netctl: invalid bridge name "${'b'.repeat(16)}": is longer than 15 bytes\n`,
    });
    // A file of that name holding another network is never overwritten.
    writeFileSync(
      join(h.conf, 'other.conflist'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'not-other', plugins: [{ type: 'loopback' }] }),
    );
    assert.equal(failure(await h.create('other', '--subnet', '10.9.0.0/24')), {
      code: 1,
      stderr: `netctl: cannot create network "other": file ${JSON.stringify(join(h.conf, 'other.conflist'))} already exists\n`,
    });
    assert.is(JSON.parse(readFileSync(join(h.conf, 'other.conflist'), 'utf8')).name, 'not-other');
    assert.equal(
      readdirSync(h.conf)
        .filter((f) => !f.startsWith('.netctl.lock'))
        .sort(),
      ['other.conflist', 'web.conflist'],
    );
  });
});

it('usage errors exit 2 with one line; --help of every command exits 0 with an example', async () => {
  await withHost(async (h) => {
    for (const args of [
      [],
      ['bogus'],
      ['ls', '--bogus'],
      ['create'],
      ['attach', 'web'],
      ['ls', '--format', 'xml'],
      ['attach', 'web', 'x', '--format', 'yaml'],
    ]) {
      const r = await h.netctl(...args);
      assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^netctl: [a-z][^\n]*\n$/, args.join(' '));
      assert.not.match(r.stderr, /\bat .*\.js:\d+/);
    }
    for (const cmd of ['', 'create', 'ls', 'inspect', 'rm', 'prune', 'attach', 'detach', 'check', 'gc', 'status']) {
      const r = await run(NETCTL, [...(cmd ? [cmd] : []), '--help']);
      assert.is(r.code, 0, cmd);
      assert.match(r.stdout, /Examples:\n +netctl /, cmd);
    }
  });
});

it('attach, check, detach, status, gc: runtime verbs on the conflist netctl wrote', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('web'));
    succeeded(await h.create('db'));
    const [c1, c2] = [h.container(), h.container()];
    const a1 = succeeded(await h.netctl('attach', 'web', c1, '--id', 'c1'));
    assert.is(a1.stdout, 'eth0  10.89.0.2/24\n');
    succeeded(await h.netctl('attach', 'web', h.path(c2), '--id', 'c2', '--ip', '10.89.0.50'));
    assert.equal(
      addrsOf(c2, 'eth0').filter((a) => !a.startsWith('fe80')),
      ['10.89.0.50/24'],
    );
    assert.is(linkOf(c1, 'lo').operstate, 'UNKNOWN'); // lo brought up
    // A second network gives the container its next interface.
    assert.is(succeeded(await h.netctl('connect', 'db', c1, '--id', 'c1')).stdout, 'eth1  10.89.1.2/24\n');
    assert.ok(await pings(c1, '10.89.0.50'));
    assert.ok(await pings(c2, '10.89.0.2'));
    assert.is(succeeded(await h.netctl('check', 'web', c1, '--id', 'c1')).stdout, 'eth0  ok\n');
    assert.is(succeeded(await h.netctl('status', 'web')).stdout, 'web  ready\n');
    const [info] = succeeded(await h.netctl('inspect', 'web')).json;
    assert.equal(
      info.state.containers.map((c: any) => [c.containerId, c.ifName, c.addresses]),
      [
        ['c1', 'eth0', ['10.89.0.2/24']],
        ['c2', 'eth0', ['10.89.0.50/24']],
      ],
    );
    assert.equal(
      info.state.leases.map((l: any) => [l.ip, l.containerId, l.ifName]),
      [
        ['10.89.0.2', 'c1', 'eth0'],
        ['10.89.0.50', 'c2', 'eth0'],
      ],
    );
    assert.is(info.state.bridge.exists, true);
    assert.equal(info.state.bridge.addresses, ['10.89.0.1/24']);
    assert.is(info.state.bridge.ports.length, 2);
    assert.equal(
      succeeded(await h.netctl('ls', '--format', 'json')).json.map((n: any) => n.containers),
      [1, 2],
    );
    // Refusals.
    assert.equal(failure(await h.netctl('attach', 'web', c1, '--id', 'c1')), {
      code: 1,
      stderr: `netctl: cannot attach to network "web": container "${c1}" (id "c1") is already attached to it as "eth0"\n`,
    });
    assert.equal(failure(await h.netctl('attach', 'nope', c1)), {
      code: 1,
      stderr: `netctl: network "nope" not found in ${JSON.stringify(h.conf)}\n`,
    });
    assert.equal(failure(await h.netctl('attach', 'web', 'no-such-ns')), {
      code: 1,
      stderr: 'netctl: cannot attach to network "web": network namespace "/run/netns/no-such-ns" does not exist\n',
    });
    assert.equal(failure(await h.netctl('attach', 'web', c1, '--id=-x')), {
      code: 2,
      stderr: 'netctl: invalid container id "-x": must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$\n',
    });
    // Detach, then CHECK and detach again are refused (nothing cached).
    assert.is(succeeded(await h.netctl('detach', 'web', c1, '--id', 'c1')).stdout, 'eth0  detached\n');
    assert.is(linkOf(c1, 'eth0'), undefined);
    assert.ok(linkOf(c1, 'eth1'));
    assert.equal(failure(await h.netctl('check', 'web', c1, '--id', 'c1')), {
      code: 1,
      stderr: `netctl: cannot check container "${c1}" (id "c1"): it is not attached to network "web"\n`,
    });
    assert.equal(failure(await h.netctl('detach', 'web', c1, '--id', 'c1')), {
      code: 1,
      stderr: `netctl: cannot detach container "${c1}" (id "c1"): it is not attached to network "web"\n`,
    });
    // GC: c2's namespace goes away without a detach.
    sh('ip', ['netns', 'del', c2]);
    assert.is(succeeded(await h.netctl('gc', 'web')).stdout, 'web  c2  eth0  removed\n');
    const [after] = succeeded(await h.netctl('inspect', 'web')).json;
    assert.equal(after.state.containers, []);
    assert.equal(after.state.leases, []);
    assert.equal(after.state.bridge.ports, []);
    assert.is(succeeded(await h.netctl('disconnect', 'db', c1, '--id', 'c1')).stdout, 'eth1  detached\n');
  });
});

it('attach publishes ports: a free host port is picked and printed; one in use is refused', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('web'));
    const [c1, c2] = [h.container(), h.container()];
    const r = succeeded(await h.netctl('attach', 'web', c1, '-p', '80', '-p', '8080:80/udp'));
    const m = r.stdout.match(/^eth0  10\.89\.0\.2\/24\n80\/tcp -> 0\.0\.0\.0:(\d+)\n80\/udp -> 0\.0\.0\.0:8080\n$/);
    assert.ok(m, r.stdout);
    const [lo, hi] = sh('ip', ['netns', 'exec', h.ns, 'cat', '/proc/sys/net/ipv4/ip_local_port_range']).trim().split(/\s+/).map(Number);
    assert.ok(Number(m![1]) >= lo && Number(m![1]) <= hi);
    const [info] = succeeded(await h.netctl('inspect', 'web')).json;
    assert.equal(info.state.containers[0].portMappings, [
      { hostPort: Number(m![1]), containerPort: 80, protocol: 'tcp' },
      { hostPort: 8080, containerPort: 80, protocol: 'udp' },
    ]);
    assert.equal(failure(await h.netctl('attach', 'web', c2, '-p', '8080:53/udp')), {
      code: 1,
      stderr: `netctl: cannot attach to network "web": host port 8080/udp is already in use by container ${JSON.stringify(info.state.containers[0].containerId)} on network "web"\n`,
    });
    // A listening socket on the host counts too.
    const server = (await import('node:child_process')).spawn('ip', ['netns', 'exec', h.ns, 'nc', '-l', '-k', '9999'], { stdio: 'ignore' });
    try {
      await new Promise((r2) => setTimeout(r2, 300));
      assert.equal(failure(await h.netctl('attach', 'web', c2, '-p', '9999:80')), {
        code: 1,
        stderr: 'netctl: cannot attach to network "web": host port 9999/tcp is already in use by a listening tcp socket on the host\n',
      });
    } finally {
      server.kill('SIGKILL');
    }
    assert.equal(failure(await h.netctl('attach', 'web', c2, '-p', '80/icmp')), {
      code: 2,
      stderr: 'netctl: invalid port "80/icmp": protocol "icmp" is not tcp, udp or sctp\n',
    });
    const json = succeeded(await h.netctl('attach', 'web', c2, '-p', '81', '--format', 'json')).json;
    assert.is(json.ifName, 'eth0');
    assert.is(json.result.cniVersion, '1.1.0');
    assert.is(json.portMappings[0].containerPort, 81);
  });
});

it('rm is refused while containers are attached; --force detaches them and removes bridge, leases, firewall state, file', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('web', '--isolate'));
    const c1 = h.container();
    const id = 'c1';
    succeeded(await h.netctl('attach', 'web', c1, '--id', id, '-p', '8080:80'));
    const [info] = succeeded(await h.netctl('inspect', 'web')).json;
    assert.equal(failure(await h.netctl('rm', 'web')), {
      code: 1,
      stderr: `netctl: cannot remove network "web": 1 container attached: "${c1}" (id "c1"); detach them or use --force\n`,
    });
    assert.equal(failure(await h.netctl('rm', 'nope')), {
      code: 1,
      stderr: `netctl: cannot remove network "nope": not found in ${JSON.stringify(h.conf)}\n`,
    });
    // Several names: each on its own, as docker network rm; the free one goes, the refusals are reported.
    succeeded(await h.create('free'));
    const both = await h.netctl('rm', 'web', 'free', 'nope');
    assert.equal(
      { code: both.code, stdout: both.stdout, stderr: both.stderr },
      {
        code: 1,
        stdout: 'free\n',
        stderr: `netctl: cannot remove network "web": 1 container attached: "${c1}" (id "c1"); detach them or use --force; cannot remove network "nope": not found in ${JSON.stringify(h.conf)}\n`,
      },
    );
    assert.ok(existsSync(join(h.firewall, 'web')));
    assert.is(succeeded(await h.netctl('rm', '--force', 'web')).stdout, 'web\n');
    assert.is(linkOf(c1, 'eth0'), undefined);
    assert.is(linkOf(h.ns, info.bridge), undefined);
    assert.not.ok(existsSync(join(h.conf, 'web.conflist')));
    assert.not.ok(existsSync(join(h.leases, 'web')));
    assert.not.ok(existsSync(join(h.firewall, 'web')));
    assert.equal(readdirSync(join(h.cache, 'results')), []);
    // No element of Berth's tables is left.
    const ruleset = sh('ip', ['netns', 'exec', h.ns, 'nft', '-j', 'list', 'ruleset']);
    assert.not.match(ruleset, /"elem"/);
    assert.equal(ipJson(h.ns, ['link', 'show', 'type', 'bridge']), []);
  });
});

it('prune removes the networks netctl created that nothing uses, and keeps the rest', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('used'));
    succeeded(await h.create('idle1'));
    succeeded(await h.create('idle2'));
    writeFileSync(
      join(h.conf, 'foreign.conflist'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'foreign', plugins: [{ type: 'loopback' }] }),
    );
    const c1 = h.container();
    succeeded(await h.netctl('attach', 'used', c1));
    assert.is(succeeded(await h.netctl('prune')).stdout, 'idle1\nidle2\n');
    assert.is(succeeded(await h.netctl('ls', '-q')).stdout, 'foreign\nused\n');
    succeeded(await h.netctl('detach', 'used', c1));
    assert.is(succeeded(await h.netctl('prune')).stdout, 'used\n');
    assert.is(succeeded(await h.netctl('prune')).stdout, '');
  });
});

it('status reports a network that cannot ADD (exhausted range) with exit 1', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('tiny', '--subnet', '10.7.0.0/30'));
    const c1 = h.container();
    succeeded(await h.netctl('attach', 'tiny', c1));
    const r = await h.netctl('status', 'tiny');
    assert.is(r.code, 1);
    assert.match(r.stderr, /^netctl: network "tiny" is not ready: plugin "bridge" failed: [^\n]+\n$/);
  });
});

it('parallel creates get distinct subnets; parallel attaches with -p 80 get distinct host ports', async () => {
  await withHost(async (h) => {
    const created = await Promise.all(['p1', 'p2', 'p3', 'p4', 'p5'].map((n) => h.create(n)));
    const subnets = created.map((r) => succeeded(r).stdout.trim().split(/\s+/)[2]);
    assert.is(new Set(subnets).size, 5, subnets.join(' '));
    const cs = [h.container(), h.container(), h.container(), h.container(), h.container(), h.container()];
    const attached = await Promise.all(cs.map((c) => h.netctl('attach', 'p1', c, '-p', '80')));
    const ports = attached.map((r) => succeeded(r).stdout.match(/-> 0\.0\.0\.0:(\d+)/)![1]);
    assert.is(new Set(ports).size, 6, ports.join(' '));
    const [info] = succeeded(await h.netctl('inspect', 'p1')).json;
    assert.is(info.state.containers.length, 6);
  });
});

it('ls warns about a file that is not a network and lists the rest; inspect of an unknown network fails', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('web'));
    writeFileSync(join(h.conf, 'broken.conflist'), '{ not json');
    const r = succeeded(await h.netctl('ls', '-q'));
    assert.is(r.stdout, 'web\n');
    assert.is(
      r.stderr,
      `netctl: warning: skipping ${JSON.stringify(join(h.conf, 'broken.conflist'))}: cannot decode network configuration list: not valid JSON\n`,
    );
    writeFileSync(join(h.conf, 'plain.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'plain', plugins: [{ type: 'loopback' }] }));
    const c1 = h.container();
    assert.equal(failure(await h.netctl('attach', 'plain', c1, '-p', '80')), {
      code: 1,
      stderr:
        `${r.stderr}netctl: cannot attach to network "plain": cannot publish ports: no plugin of the network has the "portMappings" capability\n`.replace(
          /^.*warning.*\n/,
          '',
        ),
    });
    assert.equal(failure(await h.netctl('inspect', 'web', 'nope')), {
      code: 1,
      stderr: `netctl: network "nope" not found in ${JSON.stringify(h.conf)}\n`,
    });
    assert.equal(failure(await h.netctl('status', 'nope')), {
      code: 1,
      stderr: `netctl: network "nope" not found in ${JSON.stringify(h.conf)}\n`,
    });
    assert.equal(failure(await h.netctl('gc', 'nope')), {
      code: 1,
      stderr: `${r.stderr}netctl: network "nope" not found in ${JSON.stringify(h.conf)}\n`,
    });
  });
});

it('global options: CNI_CONF_DIR when --config-dir is absent; --cni-path and CNI_PATH say where plugins are', async () => {
  await withHost(async (h) => {
    const viaEnv = await run(
      'ip',
      ['netns', 'exec', h.ns, NETCTL, '--cache-dir', h.cache, 'create', 'envnet', '--lease-dir', h.leases, '--firewall-dir', h.firewall],
      { env: { CNI_CONF_DIR: h.conf } },
    );
    succeeded(viaEnv);
    assert.ok(existsSync(join(h.conf, 'envnet.conflist')));
    const c1 = h.container();
    const empty = join(h.dir, 'empty');
    const r = await h.netctl('--cni-path', empty, 'attach', 'envnet', c1);
    assert.is(r.code, 1);
    assert.is(
      r.stderr,
      `netctl: cannot add "${'netctl-'}${r.stderr.match(/netctl-([0-9a-f]{12})/)![1]}" ("eth0") on network "envnet": plugin "bridge" failed: cannot find plugin "bridge" in CNI_PATH ${JSON.stringify(empty)}\n`,
    );
    const r2 = await run('ip', ['netns', 'exec', h.ns, NETCTL, '--config-dir', h.conf, '--cache-dir', h.cache, 'attach', 'envnet', c1], {
      env: { CNI_PATH: empty },
    });
    assert.is(r2.code, 1);
    assert.match(r2.stderr, /cannot find plugin "bridge"/);
    // Nothing half-made: no cache entry, no lease.
    assert.not.ok(existsSync(join(h.cache, 'results')) && readdirSync(join(h.cache, 'results')).length > 0);
    assert.is(succeeded(await h.netctl('attach', 'envnet', c1)).stdout, 'eth0  10.89.0.2/24\n');
    assert.is(succeeded(await run(NETCTL, ['--version'])).stdout, '0.1.0\n');
  });
});

it('errors name the namespace the user gave, and the generated container ID', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('mynet'));
    const c1 = h.container();
    succeeded(await h.netctl('attach', 'mynet', c1));
    const id = succeeded(await h.netctl('inspect', 'mynet')).json[0].state.containers[0].containerId;
    assert.match(id, /^netctl-[0-9a-f]{12}$/);
    assert.equal(failure(await h.netctl('rm', 'mynet')), {
      code: 1,
      stderr: `netctl: cannot remove network "mynet": 1 container attached: "${c1}" (id "${id}"); detach them or use --force\n`,
    });
    assert.equal(failure(await h.netctl('attach', 'mynet', c1)), {
      code: 1,
      stderr: `netctl: cannot attach to network "mynet": container "${c1}" (id "${id}") is already attached to it as "eth0"\n`,
    });
    succeeded(await h.netctl('detach', 'mynet', c1));
    assert.equal(failure(await h.netctl('detach', 'mynet', c1)), {
      code: 1,
      stderr: `netctl: cannot detach container "${c1}" (id "${id}"): it is not attached to network "mynet"\n`,
    });
  });
});

it('without root, attach and detach say that root is needed, and change nothing', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('web'));
    const c1 = h.container();
    // nobody, no groups, no capabilities; the config dir readable by anyone, as /etc/cni/net.d is.
    chmodSync(h.dir, 0o755);
    const asNobody = (...args: string[]) =>
      run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', NETCTL, '--config-dir', h.conf, '--cache-dir', h.cache, ...args]);
    assert.equal(failure(await asNobody('attach', 'web', c1)), {
      code: 1,
      stderr: 'netctl: cannot attach to network "web": root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) is needed to enter network namespaces\n',
    });
    assert.equal(failure(await asNobody('detach', 'web', c1, '--id', 'c1')), {
      code: 1,
      stderr: `netctl: cannot detach container "${c1}" (id "c1"): root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) is needed to enter network namespaces\n`,
    });
    assert.equal(
      ipJson(c1, ['link', 'show']).map((l: any) => l.ifname),
      ['lo'],
    );
    assert.is(existsSync(h.cache), false);
  });
});

it('-- ends the options; an option without its value is refused before anything is written', async () => {
  await withHost(async (h) => {
    assert.equal(failure(await h.create('x', '--subnet')), { code: 2, stderr: 'netctl: option --subnet needs a value\n' });
    assert.equal(readdirSync(h.conf), []);
    assert.match(succeeded(await h.netctl('create', '--lease-dir', h.leases, '--', 'x1')).stdout, /^x1 /);
    // After --, "--force" is a name, not the option.
    assert.equal(failure(await h.netctl('rm', '--', '--force')), {
      code: 1,
      stderr: `netctl: cannot remove network "--force": not found in ${JSON.stringify(h.conf)}\n`,
    });
  });
});

cli.run();
