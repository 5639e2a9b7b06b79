/** Parallel ADDs through the exec protocol: the flock serialises them, no address is given twice, no lease is half-written. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN_DIR, runPlugin, withTempDir } from '../../helpers/sandbox';

const add = (conf: object, id: string) =>
  runPlugin('host-local', { CNI_COMMAND: 'ADD', CNI_CONTAINERID: id, CNI_NETNS: '/var/run/netns/none', CNI_IFNAME: 'eth0' }, conf);
const netconf = (dataDir: string, ipam: object) => ({
  cniVersion: '1.0.0',
  name: 'par',
  type: 'host-local',
  ipam: { type: 'host-local', dataDir, ...ipam },
});

/** Every file of the network directory: leases must be whole, nothing temporary may remain. */
function leasesIn(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    if (
      name === 'lock' ||
      name === '.berth-index' ||
      name === '.berth-lease.tmp' ||
      name === '.berth-cursor.tmp' ||
      name.startsWith('last_reserved_ip.')
    )
      continue;
    const text = readFileSync(join(dir, name), 'utf8');
    assert.match(text, /^c\d+\r\neth0$/, `lease ${name} is whole`);
    out.set(name, text);
  }
  return out;
}

test('50 parallel ADDs of different containers get 50 distinct addresses (dual stack)', () =>
  withTempDir(async (dir) => {
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

test('on a range with 8 free addresses, exactly 8 of 50 parallel ADDs succeed and the rest get code 100', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { subnet: '192.0.2.0/24', rangeStart: '192.0.2.10', rangeEnd: '192.0.2.19' });
    for (const id of ['c900', 'c901']) assert.is((await add(conf, id)).code, 0);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => add(conf, `c${i}`)));
    const ok = results.filter((r) => r.code === 0);
    const failed = results.filter((r) => r.code !== 0);
    assert.is(ok.length, 8);
    for (const r of failed)
      assert.equal(r.json, { cniVersion: '1.0.0', code: 100, msg: 'no IP addresses available in range set 192.0.2.10-192.0.2.19' });
    assert.is(new Set(ok.map((r) => r.json.ips[0].address)).size, 8);
    const leases = leasesIn(join(dir, 'par'));
    assert.is(leases.size, 10);
  }));

test('ADDs killed at random moments leave only whole lease files, and GC clears their leftovers', () =>
  withTempDir(async (dir) => {
    const conf = netconf(dir, { ranges: [[{ subnet: '198.51.100.0/24' }], [{ subnet: '2001:db8::/64' }]] });
    const input = JSON.stringify(conf);
    await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const child = spawn(join(BIN_DIR, 'host-local'), [], {
              env: {
                PATH: process.env.PATH,
                CNI_COMMAND: 'ADD',
                CNI_CONTAINERID: `c${i}`,
                CNI_NETNS: '/x',
                CNI_IFNAME: 'eth0',
                CNI_PATH: BIN_DIR,
              },
              stdio: ['pipe', 'ignore', 'ignore'],
            });
            child.stdin.end(input);
            setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 600));
            child.on('close', () => resolve());
          }),
      ),
    );
    const leases = leasesIn(join(dir, 'par'));
    const holders = new Set(leases.values());
    assert.is(new Set(leases.keys()).size, leases.size);
    const gc = await runPlugin(
      'host-local',
      { CNI_COMMAND: 'GC' },
      {
        ...conf,
        cniVersion: '1.1.0',
        'cni.dev/valid-attachments': [...holders].map((h) => ({ containerID: h.split('\r\n')[0], ifname: 'eth0' })),
      },
    );
    assert.is(gc.code, 0, gc.stdout);
    assert.not.ok(readdirSync(join(dir, 'par')).some((f) => f.endsWith('.tmp')));
    assert.is(leasesIn(join(dir, 'par')).size, leases.size);
    assert.is((await add(conf, 'c999')).code, 0);
  }));

test.run();
