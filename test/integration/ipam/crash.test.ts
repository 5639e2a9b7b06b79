/**
 * host-local killed (SIGKILL, by strace's fault injection) between making a lease and removing its
 * temporary name: the next ADD must not rewrite that lease, and both DELs release their own.
 * Root only (strace attaches to the plugin it starts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, cniEnv, ensurePackages, isRoot, run, runPlugin, withTempDir } from '../../helpers/sandbox';

const crash = suite('host-local after a SIGKILL mid-ADD');
const it = isRoot ? crash : crash.skip;
const TMP = '.berth-lease.tmp';

crash.before(() => ensurePackages('strace'));

const netconf = (dataDir: string) => ({ cniVersion: '1.0.0', name: 'n1', ipam: { type: 'host-local', subnet: '192.0.2.0/24', dataDir } });
const env = (id: string, command = 'ADD') => ({ ...cniEnv(command, id, 'none'), CNI_PATH: BIN_DIR });
const leases = (net: string) =>
  readdirSync(net)
    .filter((f) => /^\d/.test(f))
    .sort();
const holderOf = (net: string, ip: string) => readFileSync(join(net, ip), 'utf8');

/**
 * ADD of container "a" under strace, SIGKILLed at the `when`-th unlink of the temporary lease name.
 * True when that kill came between link() and unlink(): a lease then has two names.
 */
async function addKilledAtUnlink(dataDir: string, when: number): Promise<boolean> {
  const net = join(dataDir, 'n1');
  const r = await run(
    'strace',
    [
      '-o',
      '/dev/null',
      '-f',
      '-P',
      join(net, TMP),
      '-e',
      'trace=unlink,unlinkat',
      '-e',
      `inject=unlink,unlinkat:signal=KILL:when=${when}`,
      join(BIN_DIR, 'host-local'),
    ],
    { env: env('a'), input: JSON.stringify(netconf(dataDir)) },
  );
  assert.is.not(r.code, 0, `strace: ${r.stderr}`);
  return existsSync(net) && leases(net).some((ip) => statSync(join(net, ip)).nlink === 2);
}

it('a lease left with a second name by a killed ADD keeps its holder through the next ADD and both DELs', async () => {
  let done = false;
  for (let when = 1; when <= 3 && !done; when++) {
    await withTempDir(async (dir) => {
      if (!(await addKilledAtUnlink(dir, when))) return;
      done = true;
      const net = join(dir, 'n1');
      assert.equal(leases(net), ['192.0.2.2']);
      const b = await runPlugin('host-local', env('b'), netconf(dir));
      assert.is(b.code, 0, b.stdout);
      assert.equal(b.json.ips, [{ address: '192.0.2.3/24', gateway: '192.0.2.1' }]);
      assert.is(holderOf(net, '192.0.2.2'), 'a\r\neth0');
      assert.is(holderOf(net, '192.0.2.3'), 'b\r\neth0');
      assert.is((await runPlugin('host-local', env('a', 'DEL'), netconf(dir))).code, 0);
      assert.equal(leases(net), ['192.0.2.3']);
      assert.is((await runPlugin('host-local', env('b', 'DEL'), netconf(dir))).code, 0);
      assert.equal(leases(net), []);
      assert.is(statSync(join(net, TMP)).nlink, 1, "the temporary name is a released lease's file, no lease's second name");
    });
  }
  assert.ok(done, 'no kill landed between link() and unlink()');
});

crash.run();
