/** `berth network create|ls|inspect|rm|prune` in a throwaway host netns, on the same networks as netctl. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensurePackages, isRoot, sh, succeeded } from '../../helpers/sandbox';
import { resolve } from '../dnsname/dns';
import { withNetHost } from './env';

const test = suite('berth network: Docker commands on netctl networks (built executables, real kernel)');
const it = isRoot ? test : test.skip;
if (isRoot) ensurePackages('dnsmasq-base', 'dnsutils');

const sha256 = (s: string) => sh('sh', ['-c', 'printf %s "$1" | sha256sum', 'sh', s]).split(' ')[0];

it("create prints the ID; ls, inspect and netctl show the network with Docker's defaults", async () => {
  await withNetHost(async (h) => {
    const id = succeeded(await h.berth('network', 'create', 'web', '--label', 'team=a')).stdout.trim();
    assert.is(id, sha256('web'));
    succeeded(
      await h.berth(
        'network',
        'create',
        '--subnet',
        '10.99.0.0/24',
        '--gateway',
        '10.99.0.254',
        '--ip-range',
        '10.99.0.128/25',
        '--internal',
        'db',
      ),
    );
    assert.is(
      succeeded(await h.berth('network', 'ls')).stdout,
      [
        'NETWORK ID     NAME      DRIVER    SCOPE',
        `${sha256('db').slice(0, 12)}   db        bridge    local`,
        `${sha256('host').slice(0, 12)}   host      host      local`,
        `${sha256('none').slice(0, 12)}   none      null      local`,
        `${id.slice(0, 12)}   web       bridge    local`,
        '',
      ].join('\n'),
    );
    assert.is(succeeded(await h.berth('network', 'ls', '-q', '--no-trunc', '--filter', 'label=team=a')).stdout, `${id}\n`);
    assert.is(
      succeeded(await h.berth('network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}} {{.Internal}}')).stdout,
      'db true\nweb false\n',
    );
    const [web, db] = JSON.parse(succeeded(await h.berth('network', 'inspect', 'web', sha256('db').slice(0, 8))).stdout);
    assert.equal([web.Name, web.Id, web.Driver, web.Scope, web.Labels, web.Internal], ['web', id, 'bridge', 'local', { team: 'a' }, false]);
    assert.equal(web.IPAM.Config, [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }], "Docker's first pool for user-defined networks");
    assert.equal(db.IPAM.Config, [{ Subnet: '10.99.0.0/24', IPRange: '10.99.0.128/25', Gateway: '10.99.0.254' }]);
    assert.is(db.Internal, true);
    // types.NetworkResource: Created is a time.Time, ConfigFrom a struct, as docker's inspect -f prints them.
    assert.match(
      succeeded(await h.berth('network', 'inspect', '-f', '{{.Created}}|{{.ConfigFrom}}|{{.Peers}}|{{.IPAM}}', 'db')).stdout,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC\|\{\}\|\[\]\|\{default map\[\] \[\{10\.99\.0\.0\/24 10\.99\.0\.128\/25 10\.99\.0\.254 map\[\]\}\]\}\n$/,
    );
    const list = JSON.parse(readFileSync(join(h.conf, 'web.conflist'), 'utf8'));
    assert.equal(
      list.plugins.map((p: any) => p.type),
      ['bridge', 'portmap', 'dnsname'],
      'names resolve on networks made by berth network create',
    );
    assert.is(list.plugins[0].isolate, true);
    const netctlLs = succeeded(await h.netctl('ls', '--format', 'json')).stdout;
    assert.equal(
      JSON.parse(netctlLs).map((n: any) => n.name),
      ['db', 'web'],
    );
    assert.is(succeeded(await h.berth('network', 'inspect', '--format', '{{.Name}} {{json .Labels}}', 'web')).stdout, 'web {"team":"a"}\n');
    succeeded(await h.netctl('rm', 'db'));
    assert.is(succeeded(await h.berth('network', 'rm', 'web')).stdout, 'web\n');
    assert.is(succeeded(await h.berth('network', 'ls', '-q', '--filter', 'type=custom')).stdout, '');
  });
});

it('containers attached: inspect lists them, names resolve, rm is refused as Docker does until they leave', async () => {
  await withNetHost(async (h) => {
    const id = succeeded(await h.berth('network', 'create', 'app')).stdout.trim();
    const [c1, c2] = [h.container(), h.container()];
    const a1 = JSON.parse(succeeded(await h.netctl('attach', 'app', c1, '--name', 'web', '--alias', 'www', '--format', 'json')).stdout);
    succeeded(await h.netctl('attach', 'app', c2, '--name', 'client'));
    const gateway = a1.result.ips[0].gateway;
    const ip1 = a1.result.ips[0].address.split('/')[0];
    assert.equal(await resolve(c2, gateway, 'web'), [ip1]);
    assert.equal(await resolve(c2, gateway, 'www'), [ip1]);
    const [net] = JSON.parse(succeeded(await h.berth('network', 'inspect', 'app')).stdout);
    assert.equal(
      Object.values(net.Containers)
        .map((c: any) => c.Name)
        .sort(),
      ['client', 'web'],
    );
    assert.is((net.Containers[a1.containerId] as any).IPv4Address, a1.result.ips[0].address);
    // ls --filter dangling, as dockerd: a network with a container attached is not; host and none never are
    succeeded(await h.berth('network', 'create', 'idle'));
    const dangling = async (value: string) =>
      succeeded(await h.berth('network', 'ls', '--filter', `dangling=${value}`, '--format', '{{.Name}}')).stdout;
    assert.is(await dangling('true'), 'idle\n');
    assert.is(await dangling('0'), 'app\nhost\nnone\n');
    const bad = await h.berth('network', 'ls', '--filter', 'dangling=maybe');
    assert.equal([bad.code, bad.stderr], [1, `berth: invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")\n`]);
    succeeded(await h.berth('network', 'rm', 'idle'));
    const refused = await h.berth('network', 'rm', 'app');
    assert.equal([refused.code, refused.stderr], [1, `Error: error while removing network: network app id ${id} has active endpoints\n`]);
    succeeded(await h.berth('network', 'prune', '-f'));
    assert.ok(existsSync(join(h.conf, 'app.conflist')), 'prune keeps a network in use');
    succeeded(await h.netctl('detach', 'app', c1));
    succeeded(await h.netctl('detach', 'app', c2));
    assert.is(succeeded(await h.berth('network', 'prune', '-f')).stdout, 'Deleted Networks:\napp\n\n');
    assert.not.ok(existsSync(join(h.state, 'dnsname', 'app')), 'dnsmasq stopped with the last container');
    assert.is(sh('ip', ['-n', h.ns, '-br', 'link', 'show', 'type', 'bridge']).trim(), '');
  });
});

it("bad input: Docker's messages and exit codes, nothing created or removed", async () => {
  await withNetHost(async (h) => {
    succeeded(await h.berth('network', 'create', '--subnet', '10.99.0.0/24', 'taken'));
    const cases: Array<[string[], number, string]> = [
      [['create', '-d', 'macvlan', 'x'], 1, 'berth: plugin "macvlan" not found\n'],
      [['create', 'host'], 1, 'berth: network with name host already exists\n'],
      [['create', '--gateway', '10.1.0.1', 'x'], 1, 'berth: every ip-range or gateway must have a corresponding subnet\n'],
      // The docker CLI's and dockerd's words for netctl's refusals of the IPAM flags.
      [['create', '--subnet', 'bogus', 'x'], 1, 'berth: Invalid subnet bogus : invalid CIDR address: bogus\n'],
      [['create', '--subnet', '10.6.0.0/24', '--gateway', '10.7.0.1', 'x'], 1, 'berth: no matching subnet for gateway 10.7.0.1\n'],
      [['create', '--subnet', '10.6.0.0/24', '--ip-range', '10.7.0.0/28', 'x'], 1, 'berth: no matching subnet for range 10.7.0.0/28\n'],
      [['create', '--subnet', '10.99.0.0/25', 'x'], 1, 'berth: Pool overlaps with other one on this address space\n'],
      [['create', '-o', 'foo=bar', 'x'], 1, `berth: option "foo" is not supported by berth's bridge driver\n`],
      [['create', '--bogus', 'x'], 125, "berth: unknown flag: --bogus\nSee 'berth network create --help'.\n"],
      [
        ['create'],
        1,
        `berth: "berth network create" requires exactly 1 argument.\nSee 'berth network create --help'.\n\nUsage:  berth network create [OPTIONS] NETWORK\n\nCreate a network\n`,
      ],
      [['rm', 'none'], 1, 'Error: none is a pre-defined network and cannot be removed\n'],
      [['inspect', 'nope'], 1, 'Error: No such network: nope\n'],
      [['ls', '--filter', 'colour=red'], 1, "berth: Invalid filter 'colour'\n"],
      [['frobnicate'], 1, `berth: unknown command "frobnicate" for "berth network"\nSee 'berth network --help'.\n`],
    ];
    for (const [args, code, stderr] of cases) {
      const r = await h.berth('network', ...args);
      assert.equal([r.code, r.stderr], [code, stderr], args.join(' '));
    }
    succeeded(await h.berth('network', 'create', 'x'));
    const again = await h.berth('network', 'create', 'x');
    assert.equal([again.code, again.stderr], [1, 'berth: network with name x already exists\n']);
    succeeded(await h.berth('network', 'rm', 'x', 'taken'));
  });
});

test.run();
