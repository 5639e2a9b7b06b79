import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openQuotas, type QuotaSystem } from '../../../volume/quota';

// The kernel of the development machine has no quota support (CONFIG_QUOTA off, xfs "quota support
// not available"), so the commands are checked against a recording fake.
const test = suite('project quotas (recording fake system)');

function fake(mountinfo: string): QuotaSystem & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (cmd, args) => {
      calls.push([cmd, ...args]);
    },
    readMountinfo: async () => mountinfo,
  };
}
const rejects = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
};

test('openQuotas().limit() on ext4 with prjquota sets the project and a block limit in KiB', async () => {
  const sys = fake('40 22 254:16 / /srv/q rw shared:2 - ext4 /dev/vdb rw,prjquota\n');
  await openQuotas('/srv/q/volumes', sys).limit('/srv/q/volumes/.staging/x/_data', 65536, 10 * 1024 * 1024);
  assert.equal(sys.calls, [
    ['chattr', '-p', '65536', '+P', '/srv/q/volumes/.staging/x/_data'],
    ['setquota', '-P', '65536', '0', '10240', '0', '0', '/srv/q'],
  ]);
});

test('openQuotas().limit() on xfs uses xfs_quota project setup and bhard', async () => {
  const sys = fake('41 22 254:32 / /srv/x rw - xfs /dev/vdc rw,attr2,inode64,prjquota\n');
  await openQuotas('/srv/x/v', sys).limit('/srv/x/v/d', 65537, 2 * 1024 * 1024);
  assert.equal(sys.calls, [['xfs_quota', '-x', '-c', 'project -s -p /srv/x/v/d 65537', '-c', 'limit -p bhard=2048k 65537', '/srv/x']]);
});

test('openQuotas().clear() drops the limit', async () => {
  const sys = fake('40 22 254:16 / /srv/q rw shared:2 - ext4 /dev/vdb rw,prjquota\n');
  await openQuotas('/srv/q/volumes', sys).clear('/t', 65536);
  assert.equal(sys.calls, [['setquota', '-P', '65536', '0', '0', '0', '0', '/srv/q']]);
});

test('openQuotas().limit() refuses without prjquota and runs nothing', async () => {
  const sys = fake('22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n');
  assert.is(
    await rejects(openQuotas('/var/lib/berth/volumes', sys).limit('/d', 1, 1 << 20)),
    'option "size" needs project quotas: "/var/lib/berth/volumes" is on ext4 ("/") mounted without prjquota',
  );
  assert.equal(sys.calls, []);
});

test.run();
