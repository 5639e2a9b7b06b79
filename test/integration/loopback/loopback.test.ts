import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addrsOf, cniEnv, isRoot, linkOf, netnsPath, runPlugin, sh, withNetns } from '../../helpers/sandbox';

const loopback = suite('loopback (built executable, real namespaces)');
const it = isRoot ? loopback : loopback.skip;

const conf = (cniVersion: string, extra: object = {}) => ({ cniVersion, name: 'lo-test', type: 'loopback', ...extra });
const env = (command: string, ns: string) => cniEnv(command, 'c1', ns);
const isUp = (ns: string) => (linkOf(ns, 'lo')?.flags as string[]).includes('UP');

it('ADD brings lo up inside the container netns and reports its addresses', async () => {
  await withNetns(1, async (ns) => {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'down']);
    const r = await runPlugin('loopback', env('ADD', ns), conf('1.1.0'));
    assert.is(r.code, 0, r.stdout);
    assert.ok(isUp(ns));
    assert.equal(addrsOf(ns, 'lo'), ['127.0.0.1/8', '::1/128']);
    assert.equal(r.json, {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: netnsPath(ns) }],
      ips: [
        { address: '127.0.0.1/8', interface: 0 },
        { address: '::1/128', interface: 0 },
      ],
    });
  });
});

for (const v of ['0.3.0', '0.3.1', '0.4.0'])
  it(`ADD answers in the ${v} shape with ips[].version`, async () => {
    await withNetns(1, async (ns) => {
      const r = await runPlugin('loopback', env('ADD', ns), conf(v));
      assert.is(r.code, 0, r.stdout);
      assert.is(r.json.cniVersion, v);
      assert.equal(
        r.json.ips.map((ip: any) => ip.version),
        ['4', '6'],
      );
    });
  });

it('ADD with a prevResult passes it through unchanged', async () => {
  await withNetns(1, async (ns) => {
    const prevResult = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', sandbox: netnsPath(ns) }],
      ips: [{ address: '192.0.2.5/24', interface: 0 }],
    };
    const r = await runPlugin('loopback', env('ADD', ns), conf('1.0.0', { prevResult }));
    assert.is(r.code, 0, r.stdout);
    assert.equal(r.json, { ...prevResult, cniVersion: '1.0.0' });
    assert.ok(isUp(ns));
  });
});

it('CHECK passes right after ADD and fails once lo is down', async () => {
  await withNetns(1, async (ns) => {
    const added = await runPlugin('loopback', env('ADD', ns), conf('1.0.0'));
    const withPrev = conf('1.0.0', { prevResult: added.json });
    const ok = await runPlugin('loopback', env('CHECK', ns), withPrev);
    assert.is(ok.code, 0, ok.stdout);
    assert.is(ok.stdout, '');
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'down']);
    const bad = await runPlugin('loopback', env('CHECK', ns), withPrev);
    assert.is(bad.code, 1);
    assert.is(bad.json.code, 108);
    assert.match(bad.json.msg, /lo is down/);
  });
});

it('DEL takes lo down and prints nothing', async () => {
  await withNetns(1, async (ns) => {
    await runPlugin('loopback', env('ADD', ns), conf('1.0.0'));
    const r = await runPlugin('loopback', env('DEL', ns), conf('1.0.0'));
    assert.is(r.code, 0, r.stdout);
    assert.is(r.stdout, '');
    assert.not.ok(isUp(ns));
  });
});

it('DEL succeeds when the netns is gone or CNI_NETNS is empty', async () => {
  const gone = await runPlugin('loopback', env('DEL', 'berth-never-existed'), conf('1.0.0'));
  assert.is(gone.code, 0, gone.stdout);
  const empty = await runPlugin('loopback', { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' }, conf('1.0.0'));
  assert.is(empty.code, 0, empty.stdout);
});

it('ADD into a missing netns is a kernel error naming the path', async () => {
  const r = await runPlugin('loopback', env('ADD', 'berth-never-existed'), conf('1.0.0'));
  assert.is(r.code, 1);
  assert.equal(r.json, { cniVersion: '1.0.0', code: 104, msg: 'cannot open network namespace "/run/netns/berth-never-existed": ENOENT' });
  assert.is(r.stderr, '', 'no stack trace without BERTH_LOG');
});

it('GC and STATUS succeed silently at 1.1.0 and are refused below', async () => {
  for (const command of ['GC', 'STATUS']) {
    const ok = await runPlugin('loopback', { CNI_COMMAND: command }, conf('1.1.0', { 'cni.dev/valid-attachments': [] }));
    assert.is(ok.code, 0, ok.stdout);
    assert.is(ok.stdout, '');
    const old = await runPlugin('loopback', { CNI_COMMAND: command }, conf('1.0.0'));
    assert.is(old.json.code, 1);
  }
});

it('VERSION lists 0.1.0 to 1.1.0', async () => {
  const r = await runPlugin('loopback', { CNI_COMMAND: 'VERSION' }, '');
  assert.equal(r.json, { cniVersion: '1.1.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
});

it('BERTH_LOG=stderr writes a debug log with the stack to stderr only', async () => {
  const r = await runPlugin('loopback', { ...env('ADD', 'berth-never-existed'), BERTH_LOG: 'stderr' }, conf('1.0.0'));
  assert.is(r.json.code, 104);
  assert.match(r.stderr, /ADD c1 eth0/);
  assert.match(r.stderr, /KernelError/);
});

loopback.run();
