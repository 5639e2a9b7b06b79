/** dist/bin/host-local through the CNI exec protocol (only CNI_* in its env), against temp dataDirs. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPlugin, withTempDir } from '../../helpers/sandbox';

interface Call {
  id?: string;
  ifname?: string;
  args?: string;
}
function call(command: string, conf: object, c: Call = {}) {
  const env: Record<string, string> = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: c.id ?? 'ctr1',
    CNI_NETNS: '/var/run/netns/none',
    CNI_IFNAME: c.ifname ?? 'eth0',
  };
  if (c.args) env.CNI_ARGS = c.args;
  return runPlugin('host-local', env, conf);
}
const netconf = (dataDir: string, ipam: object, extra: object = {}) => ({
  cniVersion: '1.1.0',
  name: 'hlnet',
  type: 'bridge',
  ipam: { type: 'host-local', dataDir, ...ipam },
  ...extra,
});
/** The network directory's files, without Berth's attachment index and temporary files (a released lease's and a dropped index's, kept for the next ADD). */
const files = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => !['.berth-index', '.berth-lease.tmp', '.berth-index.tmp'].includes(f))
        .sort()
    : [];
const indexOf = (dir: string) => (existsSync(join(dir, '.berth-index')) ? readdirSync(join(dir, '.berth-index')).sort() : []);

test('ADD returns one address per range set with gateway and routes, and writes the reference format', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, {
      ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
    });
    const r = await call('ADD', conf);
    assert.is(r.code, 0, r.stdout);
    assert.equal(r.json, {
      cniVersion: '1.1.0',
      ips: [
        { address: '192.0.2.2/24', gateway: '192.0.2.1' },
        { address: '2001:db8::2/64', gateway: '2001:db8::1' },
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
    });
    const net = join(dir, 'hlnet');
    assert.equal(files(net), ['192.0.2.2', '2001:db8::2', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    assert.is(readFileSync(join(net, '192.0.2.2'), 'utf8'), 'ctr1\r\neth0');
    assert.is(readFileSync(join(net, 'last_reserved_ip.1'), 'utf8'), '2001:db8::2');
    assert.is(readFileSync(join(net, '.berth-index', 'ctr1@eth0'), 'utf8'), '192.0.2.2\n2001:db8::2\n');
  }));

test('ADD answers in the requested version (ips[].version below 1.0.0)', () =>
  withTempDir(async (dir) => {
    const r = await call('ADD', { ...netconf(dir, { subnet: '198.51.100.0/24' }), cniVersion: '0.3.1' });
    assert.equal(r.json, { cniVersion: '0.3.1', ips: [{ address: '198.51.100.2/24', gateway: '198.51.100.1', version: '4' }] });
  }));

test('ADD puts resolvConf into dns', () =>
  withTempDir(async (dir) => {
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 192.0.2.53\nsearch example.com\noptions ndots:2\n');
    const r = await call('ADD', netconf(dir, { subnet: '192.0.2.0/24', resolvConf: join(dir, 'resolv.conf') }));
    assert.equal(r.json.dns, { nameservers: ['192.0.2.53'], search: ['example.com'], options: ['ndots:2'] });
    const missing = await call('ADD', netconf(dir, { subnet: '192.0.2.0/24', resolvConf: join(dir, 'nope') }), { id: 'c2' });
    assert.is(missing.json.code, 5);
    assert.is(missing.json.msg, `cannot read resolvConf ${JSON.stringify(join(dir, 'nope'))}: ENOENT`);
  }));

test('ADD of an IPv6-only network', () =>
  withTempDir(async (dir) => {
    const r = await call(
      'ADD',
      netconf(dir, { ranges: [[{ subnet: '2001:db8:1::/64', rangeStart: '2001:db8:1::100', rangeEnd: '2001:db8:1::1ff' }]] }),
    );
    assert.equal(r.json.ips, [{ address: '2001:db8:1::100/64', gateway: '2001:db8:1::1' }]);
  }));

test('ADD with CNI_ARGS IP=, args.cni.ips and runtimeConfig.ips gives exactly that address', () =>
  withTempDir(async (dir) => {
    const ipam = { ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]] };
    const a = await call('ADD', netconf(dir, ipam), { id: 'a', args: 'IgnoreUnknown=1;K8S_POD_NAME=x;IP=192.0.2.77' });
    assert.equal(
      a.json.ips.map((i: any) => i.address),
      ['192.0.2.77/24', '2001:db8::2/64'],
    );
    const b = await call('ADD', netconf(dir, ipam, { args: { cni: { ips: ['192.0.2.78'] } } }), { id: 'b', args: 'IP=192.0.2.99' });
    assert.equal(
      b.json.ips.map((i: any) => i.address),
      ['192.0.2.78/24', '2001:db8::3/64'],
    );
    const c = await call('ADD', netconf(dir, ipam, { runtimeConfig: { ips: ['2001:db8::abc'] } }), { id: 'c' });
    assert.equal(
      c.json.ips.map((i: any) => i.address),
      ['192.0.2.79/24', '2001:db8::abc/64'],
    );
  }));

test('ADD refuses a requested address in use, the gateway or outside the ranges with code 101, leaving nothing behind', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]] });
    await call('ADD', conf, { id: 'a' });
    const before = files(join(dir, 'hlnet'));
    for (const [ip, msg] of [
      ['2001:db8::2', 'cannot reserve requested address "2001:db8::2": in use'],
      ['192.0.2.1', 'cannot reserve requested address "192.0.2.1": it is the gateway'],
      ['203.0.113.1', 'cannot reserve requested address "203.0.113.1": not in any range set'],
    ]) {
      const r = await call('ADD', conf, { id: 'b', args: `IP=${ip}` });
      assert.is(r.code, 1);
      assert.equal(r.json, { cniVersion: '1.1.0', code: 101, msg });
      assert.equal(files(join(dir, 'hlnet')), before);
    }
  }));

test('ADD refuses unknown CNI_ARGS keys without IgnoreUnknown (code 4) and invalid config (code 7)', () =>
  withTempDir(async (dir) => {
    const r = await call('ADD', netconf(dir, { subnet: '192.0.2.0/24' }), { args: 'FOO=bar' });
    assert.is(r.json.code, 4);
    const bad = await call('ADD', netconf(dir, { subnet: '192.0.2.5/24' }));
    assert.equal(bad.json, {
      cniVersion: '1.1.0',
      code: 7,
      msg: 'invalid host-local configuration: range set 0: subnet "192.0.2.5/24" has host bits set: network address is 192.0.2.0',
    });
    const none = await call('ADD', { cniVersion: '1.0.0', name: 'x', type: 'host-local' });
    assert.is(none.json.code, 7);
  }));

test('ADD twice for one attachment is refused (101) and leaves the first lease alone', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { subnet: '192.0.2.0/24' });
    const a = await call('ADD', conf);
    const b = await call('ADD', conf);
    assert.equal(b.json, {
      cniVersion: '1.1.0',
      code: 101,
      msg: 'cannot allocate an address for "ctr1" on "eth0": it holds "192.0.2.2" in range set 192.0.2.1-192.0.2.254 already (duplicate ADD)',
    });
    assert.is((await call('CHECK', { ...conf, prevResult: a.json })).code, 0);
    assert.equal(files(join(dir, 'hlnet')), ['192.0.2.2', 'last_reserved_ip.0', 'lock']);
  }));

test('DEL releases only that (container, ifname), in every range set, and succeeds for unknown ones', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]] });
    await call('ADD', conf, { id: 'a', ifname: 'eth0' });
    await call('ADD', conf, { id: 'a', ifname: 'eth1' });
    await call('ADD', conf, { id: 'b', ifname: 'eth0' });
    const d = await call('DEL', conf, { id: 'a', ifname: 'eth0' });
    assert.is(d.code, 0, d.stdout);
    assert.is(d.stdout, '');
    assert.equal(
      files(join(dir, 'hlnet')).filter((f) => /^[\d:]/.test(f)),
      ['192.0.2.3', '192.0.2.4', '2001:db8::3', '2001:db8::4'],
    );
    assert.is((await call('DEL', conf, { id: 'a', ifname: 'eth0' })).code, 0);
    assert.is((await call('DEL', conf, { id: 'never' })).code, 0);
    assert.is((await call('DEL', netconf(join(dir, 'nodir'), { subnet: '192.0.2.0/24' }))).code, 0);
    assert.not.ok(existsSync(join(dir, 'nodir')));
    assert.equal(indexOf(join(dir, 'hlnet')), ['a@eth1', 'b@eth0']);
  }));

test('DEL without a usable index reads every lease, as the reference does', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { subnet: '192.0.2.0/24' });
    await call('ADD', conf, { id: 'a' });
    await call('ADD', conf, { id: 'b' });
    const net = join(dir, 'hlnet');
    writeFileSync(join(net, '.berth-index', 'a@eth0'), '192.0.2.3\n'); // stale: that lease is b's
    assert.is((await call('DEL', conf, { id: 'a' })).code, 0);
    assert.equal(files(net), ['192.0.2.3', 'last_reserved_ip.0', 'lock']);
    rmSync(join(net, '.berth-index'), { recursive: true });
    assert.is((await call('DEL', conf, { id: 'b' })).code, 0);
    assert.equal(files(net), ['last_reserved_ip.0', 'lock']);
  }));

test('DEL succeeds with a broken range config (it only needs the lease directory)', () =>
  withTempDir(async (dir) => {
    await call('ADD', netconf(dir, { subnet: '192.0.2.0/24' }));
    const r = await call('DEL', netconf(dir, { subnet: '192.0.2.0/33' }));
    assert.is(r.code, 0, r.stdout);
    assert.equal(files(join(dir, 'hlnet')), ['last_reserved_ip.0', 'lock']);
  }));

test('CHECK passes with a lease and fails (108) without', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]] });
    const add = await call('ADD', conf);
    const ok = await call('CHECK', { ...conf, prevResult: add.json });
    assert.is(ok.code, 0, ok.stdout);
    assert.is(ok.stdout, '');
    const other = await call('CHECK', { ...conf, prevResult: add.json }, { id: 'other' });
    assert.equal(other.json, {
      cniVersion: '1.1.0',
      code: 108,
      msg: 'cannot find an address of "other" on "eth0" in range set 192.0.2.1-192.0.2.254',
    });
    await call('DEL', conf);
    const gone = await call('CHECK', { ...conf, prevResult: add.json });
    assert.is(gone.json.code, 108);
  }));

test('CHECK fails when prevResult names an address that is not leased to the attachment', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { subnet: '192.0.2.0/24' });
    const add = await call('ADD', conf);
    const r = await call('CHECK', { ...conf, prevResult: { ...add.json, ips: [{ address: '192.0.2.99/24' }] } });
    assert.equal(r.json, {
      cniVersion: '1.1.0',
      code: 108,
      msg: 'address "192.0.2.99/24" of prevResult is not leased to "ctr1" on "eth0"',
    });
  }));

test('GC releases every lease whose attachment is not valid (both key spellings)', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]] });
    for (const id of ['a', 'b', 'c']) await call('ADD', conf, { id });
    const gc = await runPlugin(
      'host-local',
      { CNI_COMMAND: 'GC', CNI_PATH: '/nonexistent' },
      {
        ...conf,
        'cni.dev/valid-attachments': [
          { containerID: 'b', ifname: 'eth0' },
          { containerID: 'zzz', ifname: 'eth0' },
        ],
      },
    );
    assert.is(gc.code, 0, gc.stdout);
    const net = join(dir, 'hlnet');
    assert.equal(
      files(net).filter((f) => /^[\d:]/.test(f)),
      ['192.0.2.3', '2001:db8::3'],
    );
    assert.equal(indexOf(net), ['b@eth0']);
    const gc2 = await runPlugin('host-local', { CNI_COMMAND: 'GC', CNI_PATH: '/nonexistent' }, { ...conf, 'cni.dev/attachments': [] });
    assert.is(gc2.code, 0, gc2.stdout);
    assert.equal(files(net), ['last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    assert.equal(indexOf(net), []);
    const bad = await runPlugin('host-local', { CNI_COMMAND: 'GC', CNI_PATH: '/nonexistent' }, conf);
    assert.is(bad.json.code, 7);
  }));

test('STATUS succeeds with free addresses and answers 50 when a range set is exhausted', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, {
      ranges: [[{ subnet: '2001:db8::/64' }], [{ subnet: '192.0.2.0/24', rangeStart: '192.0.2.10', rangeEnd: '192.0.2.11' }]],
    });
    const status = () => runPlugin('host-local', { CNI_COMMAND: 'STATUS' }, conf);
    assert.is((await status()).code, 0);
    await call('ADD', conf, { id: 'a' });
    assert.is((await status()).code, 0);
    await call('ADD', conf, { id: 'b' });
    const r = await status();
    assert.equal(r.json, { cniVersion: '1.1.0', code: 50, msg: 'no IP addresses available in range set 192.0.2.10-192.0.2.11' });
    const add = await call('ADD', conf, { id: 'c' });
    assert.equal(add.json, { cniVersion: '1.1.0', code: 100, msg: 'no IP addresses available in range set 192.0.2.10-192.0.2.11' });
    await call('DEL', conf, { id: 'a' });
    assert.is((await status()).code, 0);
  }));

test('container IDs of 244, 300 and 10,000 characters ADD, CHECK and DEL, and GC keeps their leases', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { subnet: '192.0.2.0/24' });
    const ids = [244, 300, 10_000].map((n) => 'c'.repeat(n - 1) + (n % 10));
    for (const id of ids) {
      const add = await call('ADD', conf, { id });
      assert.is(add.code, 0, add.stdout);
      assert.is((await call('CHECK', { ...conf, prevResult: add.json }, { id })).code, 0);
    }
    const net = join(dir, 'hlnet');
    assert.equal(
      files(net)
        .filter((f) => /^\d/.test(f))
        .map((ip) => readFileSync(join(net, ip), 'utf8')),
      ids.map((id) => `${id}\r\neth0`),
    );
    const gc = await runPlugin(
      'host-local',
      { CNI_COMMAND: 'GC', CNI_PATH: '/nonexistent' },
      { ...conf, 'cni.dev/valid-attachments': ids.map((containerID) => ({ containerID, ifname: 'eth0' })) },
    );
    assert.is(gc.code, 0, gc.stdout);
    assert.is(files(net).filter((f) => /^\d/.test(f)).length, 3);
    for (const id of ids) assert.is((await call('DEL', conf, { id })).code, 0);
    assert.equal(files(net), ['last_reserved_ip.0', 'lock']);
    assert.equal(indexOf(net), []);
    assert.is((await call('DEL', conf, { id: 'x'.repeat(10_000) })).code, 0, 'DEL of an unknown long ID');
  }));

test('ADD with cniVersion 0.2.0 or none answers ip4/ip6, as the reference; two addresses of one family are refused there', () =>
  withTempDir(async (dir) => {
    const ipam = {
      type: 'host-local',
      dataDir: dir,
      ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]],
      routes: [{ dst: '0.0.0.0/0' }],
    };
    const r = await call('ADD', { cniVersion: '0.2.0', name: 'old', ipam });
    assert.equal(r.json, {
      cniVersion: '0.2.0',
      ip4: { ip: '192.0.2.2/24', gateway: '192.0.2.1', routes: [{ dst: '0.0.0.0/0' }] },
      ip6: { ip: '2001:db8::2/64', gateway: '2001:db8::1' },
      dns: {},
    });
    const none = await call('ADD', { name: 'old', ipam }, { id: 'c2' });
    assert.is(none.json.cniVersion, '0.1.0');
    assert.is(none.json.ip4.ip, '192.0.2.3/24');
    assert.is((await call('DEL', { name: 'old', ipam }, { id: 'c2' })).code, 0);
    const two = await call(
      'ADD',
      { name: 'old', ipam: { ...ipam, ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '198.51.100.0/24' }]] } },
      { id: 'c3' },
    );
    assert.equal(two.json, {
      cniVersion: '0.1.0',
      code: 7,
      msg: 'invalid host-local configuration: CNI version 0.1.0 does not support more than 1 address per family',
    });
  }));

test('VERSION lists the supported versions', async () => {
  const r = await runPlugin('host-local', { CNI_COMMAND: 'VERSION' }, '');
  assert.ok(r.json.supportedVersions.includes('1.1.0'));
});

test.run();
