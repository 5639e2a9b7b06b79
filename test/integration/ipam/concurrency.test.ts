/** Parallel ADDs through the exec protocol: the flock serialises them, no address is given twice, no lease is half-written. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPlugin, withTempDir } from '../../helpers/sandbox';

const add = (conf: object, id: string) =>
  runPlugin('host-local', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: id, CNI_NETNS: '/var/run/netns/none', CNI_IFNAME: 'eth0' }, conf);
const netconf = (dataDir: string, ipam: object) => ({ cniVersion: '1.0.0', name: 'par', type: 'host-local', ipam: { type: 'host-local', dataDir, ...ipam } });

/** Every file of the network directory: leases must be whole, nothing temporary may remain. */
function leasesIn(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    if (name === 'lock' || name === '.berth-index' || name.startsWith('last_reserved_ip.')) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    assert.match(text, /^c\d+\r\neth0$/, `lease ${name} is whole`);
    out.set(name, text);
  }
  return out;
}

test('50 parallel ADDs of different containers get 50 distinct addresses (dual stack)', () => withTempDir(async (dir) => {
  const conf = netconf(dir, { ranges: [[{ subnet: '198.51.100.0/24' }], [{ subnet: '2001:db8::/64' }]] });
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => add(conf, `c${i}`)));
  for (const r of results) assert.is(r.code, 0, r.stdout + r.stderr);
  const v4 = new Set(results.map((r) => r.json.ips[0].address));
  const v6 = new Set(results.map((r) => r.json.ips[1].address));
  assert.is(v4.size, 50);
  assert.is(v6.size, 50);
  const leases = leasesIn(join(dir, 'par'));
  assert.is(leases.size, 100);
  results.forEach((r, i) => assert.is(leases.get(r.json.ips[0].address.split('/')[0]), `c${i}\r\neth0`));
}));

test('on a range with 8 free addresses, exactly 8 of 50 parallel ADDs succeed and the rest get code 100', () => withTempDir(async (dir) => {
  const conf = netconf(dir, { subnet: '192.0.2.0/24', rangeStart: '192.0.2.10', rangeEnd: '192.0.2.19' });
  for (const id of ['c900', 'c901']) assert.is((await add(conf, id)).code, 0);
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => add(conf, `c${i}`)));
  const ok = results.filter((r) => r.code === 0);
  const failed = results.filter((r) => r.code !== 0);
  assert.is(ok.length, 8);
  for (const r of failed) assert.equal(r.json, { cniVersion: '1.0.0', code: 100, msg: 'no IP addresses available in range set 192.0.2.10-192.0.2.19' });
  assert.is(new Set(ok.map((r) => r.json.ips[0].address)).size, 8);
  const leases = leasesIn(join(dir, 'par'));
  assert.is(leases.size, 10);
}));

test.run();
