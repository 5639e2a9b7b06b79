/**
 * Switching a node between the reference host-local (Debian `containernetworking-plugins`, 1.1.1)
 * and Berth's, in place, both ways: the same lease directory, no address lost or given twice.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, ROOT_DIR, run, runPlugin, sh, withTempDir, type RunResult } from '../../helpers/sandbox';

const REFERENCE = '/usr/lib/cni/host-local';
const it = isRoot || existsSync(REFERENCE) ? test : test.skip;

test.before(() => {
  if (isRoot && !existsSync(REFERENCE)) sh(join(ROOT_DIR, 'scripts/ensure-packages.sh'), ['containernetworking-plugins']);
});

type Impl = 'ref' | 'berth';
function call(impl: Impl, command: string, conf: object, id: string, extra: object = {}): Promise<RunResult> {
  const env = { CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: '/var/run/netns/none', CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' };
  const input = JSON.stringify({ ...conf, ...extra });
  return impl === 'ref' ? run(REFERENCE, [], { env, input }) : runPlugin('host-local', env, input);
}
const netconf = (dataDir: string) => ({
  cniVersion: '1.0.0',
  name: 'switch',
  type: 'bridge',
  ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]] },
});

/** address -> holder, from the files (an address appears once per file, so twice-given is a holder mismatch). */
function leases(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir))
    if (/^[\d:a-f]+[.:]/.test(name) && !name.startsWith('last_')) out.set(name, readFileSync(join(dir, name), 'utf8').trim());
  return out;
}
const addrs = (r: RunResult) => (r.json?.ips ?? []).map((i: { address: string }) => i.address.split('/')[0]);

it('reference -> Berth -> reference keeps every lease, continues round-robin and never gives an address twice', () =>
  withTempDir(async (dataDir) => {
    const conf = netconf(dataDir);
    const net = join(dataDir, 'switch');
    const expected = new Map<string, string>();
    const adds = async (impl: Impl, ids: string[]) => {
      for (const id of ids) {
        const r = await call(impl, 'ADD', conf, id);
        assert.is(r.code, 0, `${impl} ADD ${id}: ${r.stdout}${r.stderr}`);
        for (const a of addrs(r)) {
          assert.not.ok(expected.has(a), `${a} given twice (${expected.get(a)} and ${id})`);
          expected.set(a, `${id}\r\neth0`);
        }
      }
    };
    const dels = async (impl: Impl, ids: string[]) => {
      for (const id of ids) {
        const r = await call(impl, 'DEL', conf, id);
        assert.is(r.code, 0, `${impl} DEL ${id}: ${r.stdout}`);
        for (const [a, holder] of expected) if (holder === `${id}\r\neth0` || holder === id) expected.delete(a);
      }
    };

    // The reference leases first; an old-format lease holds only the container ID.
    await adds('ref', ['r1', 'r2', 'r3']);
    writeFileSync(join(net, '192.0.2.50'), 'old1', { mode: 0o600 });
    expected.set('192.0.2.50', 'old1');
    assert.equal(leases(net), expected);

    // Berth takes over: it continues after the reference's cursor, sees its leases, deletes and checks them.
    const b1 = await call('berth', 'ADD', conf, 'b1');
    assert.equal(addrs(b1), ['192.0.2.5', '2001:db8::5']);
    for (const a of addrs(b1)) expected.set(a, 'b1\r\neth0');
    await adds('berth', ['b2', 'b3']);
    const r1Check = await call('berth', 'CHECK', conf, 'r1', {
      prevResult: { cniVersion: '1.0.0', ips: [{ address: '192.0.2.2/24' }, { address: '2001:db8::2/64' }] },
    });
    assert.is(r1Check.code, 0, r1Check.stdout);
    await dels('berth', ['r2', 'old1']);
    assert.equal(leases(net), expected);

    // Back to the reference: it continues after Berth's cursor, checks and deletes Berth's leases.
    const r4 = await call('ref', 'ADD', conf, 'r4');
    assert.equal(addrs(r4), ['192.0.2.8', '2001:db8::8']);
    for (const a of addrs(r4)) expected.set(a, 'r4\r\neth0');
    const b2Check = await call('ref', 'CHECK', conf, 'b2', { prevResult: { cniVersion: '1.0.0', ips: [] } });
    assert.is(b2Check.code, 0, b2Check.stdout);
    await dels('ref', ['b1', 'b3']);
    await adds('ref', ['r5']);
    assert.equal(leases(net), expected);

    // And Berth once more, after the reference released and reused nothing twice.
    await adds('berth', ['b4']);
    await dels('berth', ['r1', 'r4', 'r5', 'b2', 'b4', 'r3']);
    assert.equal(leases(net), new Map());
  }));

it("Berth checks and releases a lease the reference gave at the last IPv6 address (outside Berth's default rangeEnd)", () =>
  withTempDir(async (dataDir) => {
    const conf = {
      cniVersion: '1.0.0',
      name: 'last6',
      type: 'bridge',
      ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '2001:db8::/126' }]] },
    };
    const net = join(dataDir, 'last6');
    assert.equal(addrs(await call('ref', 'ADD', conf, 'r1')), ['2001:db8::2']);
    assert.equal(addrs(await call('ref', 'ADD', conf, 'r2')), ['2001:db8::3']);
    const check = await call('berth', 'CHECK', conf, 'r2', { prevResult: { cniVersion: '1.0.0', ips: [{ address: '2001:db8::3/126' }] } });
    assert.is(check.code, 0, check.stdout);
    const full = await call('berth', 'ADD', conf, 'b1');
    assert.is(full.json.code, 100);
    assert.is((await call('berth', 'DEL', conf, 'r2')).code, 0);
    assert.equal([...leases(net).keys()], ['2001:db8::2']);
  }));

it('the reference and Berth running at once on one network share the lock: 40 parallel ADDs, 40 distinct addresses', () =>
  withTempDir(async (dataDir) => {
    const conf = netconf(dataDir);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => call(i % 2 ? 'ref' : 'berth', 'ADD', conf, `m${i}`)));
    for (const r of results) assert.is(r.code, 0, r.stdout + r.stderr);
    const all = results.flatMap(addrs);
    assert.is(new Set(all).size, 80);
    assert.is(leases(join(dataDir, 'switch')).size, 80);
  }));

test.run();
