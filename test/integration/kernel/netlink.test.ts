/**
 * kernel/ against the real kernel, inside throwaway namespaces, read back with `ip -j`.
 * The test process itself opens netlink sockets inside the namespaces (setns on the main thread
 * only around socket creation).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KernelError } from '../../../kernel/errors';
import { lockFile, withFileLock } from '../../../kernel/flock';
import { Netlink, inNetnsSync } from '../../../kernel/netlink';
import { ipProgram } from '../../../kernel/link-delete';
import { readSysctl, writeSysctl } from '../../../kernel/sysctl';
import { addrsOf, ipJson, isRoot, linkOf, netnsPath, rejects, ROOT_DIR, withNetns, withTempDir } from '../../helpers/sandbox';

/** The built berth-shim (make build). */
const SHIM = join(ROOT_DIR, 'dist/lib/berth-shim');

const kernel = suite('kernel/ netlink, sysctl, flock (real kernel)');
const it = isRoot ? kernel : kernel.skip;

/** Creates bridge `name` and sets it up; its link. */
async function upBridge(nl: Netlink, name: string) {
  await nl.createBridge(name);
  const br = (await nl.getLink(name))!;
  await nl.setLink(br.index, { up: true });
  return br;
}

async function withSockets(count: number, fn: (socks: Netlink[], names: string[]) => Promise<void>): Promise<void> {
  await withNetns(count, async (...names) => {
    const socks = names.map((n) => Netlink.openIn(netnsPath(n)));
    try {
      await fn(socks, names);
    } finally {
      for (const s of socks) s.close();
    }
  });
}

it('createBridge() makes a bridge with the MAC and MTU asked for; a second create is EEXIST', async () => {
  await withSockets(1, async ([nl], [ns]) => {
    await nl.createBridge('kbr0', { mac: '02:12:34:56:78:9a', mtu: 1400 });
    const link = linkOf(ns, 'kbr0');
    assert.is(link.linkinfo.info_kind, 'bridge');
    assert.is(link.address, '02:12:34:56:78:9a');
    assert.is(link.mtu, 1400);
    const info = await nl.getLink('kbr0');
    assert.equal({ kind: info?.kind, mac: info?.mac, mtu: info?.mtu }, { kind: 'bridge', mac: '02:12:34:56:78:9a', mtu: 1400 });
    const err = await rejects(nl.createBridge('kbr0'));
    assert.ok(err instanceof KernelError);
    assert.is(err.message, 'cannot create bridge "kbr0": EEXIST');
  });
});

it('createVeth() puts the peer straight into the other namespace', async () => {
  await withSockets(2, async ([host, ctr], [hostNs, ctrNs]) => {
    await host.createVeth('kv0', { name: 'eth7', netnsPath: netnsPath(ctrNs), mac: '02:00:00:00:00:07' }, { mtu: 1300 });
    assert.is(linkOf(hostNs, 'kv0').linkinfo.info_kind, 'veth');
    assert.is(linkOf(hostNs, 'eth7'), undefined, 'the peer never appears in the host namespace');
    const peer = linkOf(ctrNs, 'eth7');
    assert.is(peer.address, '02:00:00:00:00:07');
    assert.is(peer.mtu, 1300);
    assert.is((await ctr.getLink('eth7'))?.kind, 'veth');
  });
});

it('setLink() changes state, MTU, MAC, master and promiscuity; setHairpin() sets the port flag', async () => {
  await withSockets(2, async ([host], [hostNs, ctrNs]) => {
    await host.createBridge('kbr1');
    await host.createVeth('kv1', { name: 'eth0', netnsPath: netnsPath(ctrNs) });
    const [br, v] = [await host.getLink('kbr1'), await host.getLink('kv1')];
    await host.setLink(v!.index, { master: br!.index, up: true, mtu: 1280, mac: '02:aa:bb:cc:dd:ee' });
    await host.setLink(br!.index, { up: true, promisc: true });
    await host.setHairpin(v!.index, true);
    const link = linkOf(hostNs, 'kv1');
    assert.is(link.master, 'kbr1');
    assert.is(link.mtu, 1280);
    assert.is(link.address, '02:aa:bb:cc:dd:ee');
    assert.ok((link.flags as string[]).includes('UP'));
    assert.is(link.linkinfo.info_slave_data.hairpin, true);
    assert.ok(linkOf(hostNs, 'kbr1').promiscuity > 0);
    assert.is((await host.getLink('kv1'))?.master, br!.index);
  });
});

it('addAddr(), listAddrs() and deleteAddr() for IPv4 and IPv6', async () => {
  await withSockets(1, async ([nl], [ns]) => {
    const br = await upBridge(nl, 'kbr2');
    await nl.addAddr(br.index, '192.0.2.1/24');
    await nl.addAddr(br.index, '2001:db8::1/64', { noDad: true });
    assert.equal(
      addrsOf(ns, 'kbr2').filter((a) => !a.startsWith('fe80')),
      ['192.0.2.1/24', '2001:db8::1/64'],
    );
    assert.is(ipJson(ns, ['addr', 'show', 'dev', 'kbr2'])[0].addr_info[0].broadcast, '192.0.2.255');
    assert.equal(
      (await nl.listAddrs(br.index)).filter((a) => a.scope === 0).map((a) => a.cidr),
      ['192.0.2.1/24', '2001:db8::1/64'],
    );
    await rejects(nl.addAddr(br.index, '192.0.2.1/24'), /cannot add address "192\.0\.2\.1\/24 on #\d+": EEXIST/);
    assert.is(await nl.addAddr(br.index, '192.0.2.1/24', { ifAbsent: true }), false);
    assert.is(await nl.addAddr(br.index, '192.0.2.9/24', { ifAbsent: true }), true);
    await nl.deleteAddr(br.index, '192.0.2.9/24');
    await nl.deleteAddr(br.index, '192.0.2.1/24');
    assert.equal(
      addrsOf(ns, 'kbr2').filter((a) => !a.startsWith('fe80')),
      ['2001:db8::1/64'],
    );
  });
});

it('addRoute(), listRoutes() and deleteRoute() with gateway, metrics and priority', async () => {
  await withSockets(1, async ([nl], [ns]) => {
    const br = await upBridge(nl, 'kbr3');
    await nl.addAddr(br.index, '192.0.2.1/24');
    await nl.addRoute({ dst: '198.51.100.0/24', gw: '192.0.2.254', index: br.index, mtu: 1400, priority: 7 });
    await nl.addRoute({ dst: '0.0.0.0/0', gw: '192.0.2.254', index: br.index });
    const shown = ipJson(ns, ['route', 'show']);
    const r = shown.find((x: any) => x.dst === '198.51.100.0/24');
    assert.equal({ gw: r.gateway, metric: r.metric, mtu: r.metrics?.[0]?.mtu }, { gw: '192.0.2.254', metric: 7, mtu: 1400 });
    assert.ok(shown.some((x: any) => x.dst === 'default' && x.gateway === '192.0.2.254'));
    const listed = (await nl.listRoutes(4)).find((x) => x.dst === '198.51.100.0/24');
    assert.equal({ gw: listed?.gw, priority: listed?.priority, mtu: listed?.mtu }, { gw: '192.0.2.254', priority: 7, mtu: 1400 });
    await nl.deleteRoute({ dst: '198.51.100.0/24', gw: '192.0.2.254', index: br.index, priority: 7 });
    assert.not.ok(ipJson(ns, ['route', 'show']).some((x: any) => x.dst === '198.51.100.0/24'));
  });
});

it('deleteLink() and getLink() of a missing link: ENODEV and undefined', async () => {
  await withSockets(1, async ([nl]) => {
    assert.is(await nl.getLink('nope0'), undefined);
    await rejects(nl.deleteLink('nope0'), /^cannot delete link "nope0": ENODEV$/);
  });
});

it('Netlink.openIn() of a missing namespace names the path and the errno', () => {
  assert.throws(
    () => Netlink.openIn('/run/netns/berth-none-such'),
    /cannot open network namespace "\/run\/netns\/berth-none-such": ENOENT/,
  );
});

it("forwarding() reads ip_forward and all.forwarding of the socket's namespace over rtnetlink", async () => {
  await withSockets(1, async ([nl], [ns]) => {
    // A new namespace inherits the host's IPv4 settings (devconf_inherit_init_net 0): start from off.
    writeSysctl('net.ipv4.ip_forward', '0', netnsPath(ns));
    assert.equal([await nl.forwarding(4), await nl.forwarding(6)], [false, false]);
    writeSysctl('net.ipv4.ip_forward', '1', netnsPath(ns));
    assert.equal([await nl.forwarding(4), await nl.forwarding(6)], [true, false]);
    writeSysctl('net.ipv6.conf.all.forwarding', '1', netnsPath(ns));
    assert.equal([await nl.forwarding(4), await nl.forwarding(6)], [true, true]);
  });
});

it('deleteLinkDetached() has a detached `ip link delete` delete the link, and settles once the link is gone', async () => {
  await withTempDir(async (dir) => {
    await withSockets(1, async ([nl], [ns]) => {
      // A stand-in for ip that notes how it was called, then runs the real one.
      const ip = join(dir, 'ip');
      writeFileSync(ip, `#!/bin/sh\necho "$@" > ${dir}/args\nexec ${ipProgram() ?? 'ip'} "$@"\n`, { mode: 0o755 });
      await nl.createVeth('kdet0', { name: 'kdet1' });
      const index = (await nl.getLink('kdet0'))!.index;
      await inNetnsSync(netnsPath(ns), () => Netlink.deleteLinkDetached('kdet0', index, { shim: null, ip }));
      assert.is(linkOf(ns, 'kdet0'), undefined);
      assert.is(linkOf(ns, 'kdet1'), undefined, 'the peer goes with it');
      assert.is(readFileSync(join(dir, 'args'), 'utf8'), 'link delete dev kdet0\n');
    });
  });
});

it('deleteLinkDetached() has a detached `berth-shim link-delete` delete the link, and settles once the link is gone', async () => {
  await withTempDir(async (dir) => {
    await withSockets(1, async ([nl], [ns]) => {
      // A stand-in for berth-shim that notes how it was called, then runs the built one.
      const shim = join(dir, 'berth-shim');
      writeFileSync(shim, `#!/bin/sh\necho "$@" > ${dir}/args\nexec ${SHIM} "$@"\n`, { mode: 0o755 });
      await nl.createVeth('ksh0', { name: 'ksh1' });
      const index = (await nl.getLink('ksh0'))!.index;
      await inNetnsSync(netnsPath(ns), () => Netlink.deleteLinkDetached('ksh0', index, { shim, ip: null }));
      assert.is(linkOf(ns, 'ksh0'), undefined);
      assert.is(linkOf(ns, 'ksh1'), undefined, 'the peer goes with it');
      assert.is(readFileSync(join(dir, 'args'), 'utf8'), 'link-delete ksh0\n');
    });
  });
});

it("berth-shim link-delete deletes a link of its namespace, and fails with the kernel's error", async () => {
  await withSockets(1, async ([nl], [ns]) => {
    await nl.createVeth('ksh2', { name: 'ksh3' });
    const run = (...args: string[]) => spawnSync('ip', ['netns', 'exec', ns, SHIM, 'link-delete', ...args], { encoding: 'utf8' });
    assert.is(run('ksh2').status, 0);
    assert.is(linkOf(ns, 'ksh2'), undefined);
    const again = run('ksh2');
    assert.is(again.status, 125);
    assert.match(again.stderr, /cannot delete link ksh2: No such device/);
    assert.is(run().status, 125, 'no name');
  });
});

it('deleteLinkDetached() deletes the link itself without an ip program, when ip cannot start, when ip ends leaving it, and when ip takes too long', async () => {
  await withTempDir(async (dir) => {
    await withSockets(1, async ([nl], [ns]) => {
      const stub = (name: string, body: string) => {
        writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        return join(dir, name);
      };
      const cases: Array<{ shim?: string | null; ip?: string | null; timeoutMs?: number }> = [
        { shim: null, ip: null },
        { shim: null, ip: join(dir, 'missing') },
        { shim: join(dir, 'missing') },
        // Ends at once without deleting: noticed when it ends, long before the timeout.
        { shim: null, ip: stub('failing-ip', 'exit 1'), timeoutMs: 60_000 },
        { shim: stub('failing-shim', 'exit 125'), timeoutMs: 60_000 },
        // Still running, the link still there, when the timeout comes (it ends by itself soon after).
        { shim: null, ip: stub('slow-ip', 'sleep 0.5'), timeoutMs: 50 },
      ];
      for (const [i, opts] of cases.entries()) {
        await nl.createVeth(`kfb${i}`, { name: `kfp${i}` });
        const index = (await nl.getLink(`kfb${i}`))!.index;
        const done = inNetnsSync(netnsPath(ns), () => Netlink.deleteLinkDetached(`kfb${i}`, index, opts)).then(() => 'deleted');
        // Not a timing: a DEL that missed ip's end would wait the whole minute.
        const verdict = await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 10_000, 'still waiting after 10 s'))]);
        assert.is(verdict, 'deleted', JSON.stringify(opts));
        assert.is(linkOf(ns, `kfb${i}`), undefined, JSON.stringify(opts));
      }
    });
  });
});

it('writeSysctl() inside a namespace changes that namespace only', async () => {
  await withNetns(1, async (ns) => {
    const hostValue = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    writeSysctl('net.ipv4.ip_forward', hostValue === '1' ? '0' : '1', netnsPath(ns));
    assert.is(readSysctl('net.ipv4.ip_forward', netnsPath(ns)), hostValue === '1' ? '0' : '1');
    assert.is(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), hostValue, 'the host is untouched');
  });
});

kernel('lockFile() excludes a second holder until released', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'lock');
    const lock = lockFile(path);
    // A second process asks for the same lock; it must wait for our release.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `require(${JSON.stringify(join(__dirname, '../../../kernel/flock'))}).lockFile(${JSON.stringify(path)}); process.stdout.write('got')`,
      ],
      { cwd: join(__dirname, '../../..') },
    );
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    await new Promise((r) => setTimeout(r, 600));
    assert.is(out, '', 'the second holder waits');
    lock.release();
    await new Promise((r) => child.on('close', r));
    assert.is(out, 'got');
  });
});

kernel('lockFile() lets other holders in while suspended and takes the lock again on resume()', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'lock');
    const free = () => spawnSync('flock', ['-n', path, 'true']).status === 0;
    const lock = lockFile(path);
    assert.not.ok(free(), 'held');
    lock.suspend();
    assert.ok(free(), 'free while suspended');
    lock.resume();
    assert.not.ok(free(), 'held again');
    lock.release();
    assert.ok(free(), 'released');
    lock.resume();
    assert.ok(free(), 'a released lock is not taken again');
  });
});

kernel('withFileLock() holds the lock for fn and releases it after a return, a throw or a settled promise', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'lock');
    // flock(1) -n in another process fails (exit 1) while the lock is held.
    const free = () => spawnSync('flock', ['-n', path, 'true']).status === 0;
    assert.is(
      withFileLock(path, () => (assert.not.ok(free(), 'held during fn'), 7)),
      7,
    );
    assert.ok(free(), 'released after a return');
    assert.throws(
      () =>
        withFileLock(path, () => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.ok(free(), 'released after a throw');
    let release!: () => void;
    const pending = withFileLock(path, () => new Promise<void>((r) => (release = r)));
    assert.not.ok(free(), 'held until the promise settles');
    release();
    await pending;
    assert.ok(free(), 'released after the promise settles');
    await withFileLock(path, async () => {
      throw new Error('async boom');
    }).catch(() => {});
    assert.ok(free(), 'released after a rejection');
  });
});

kernel.run();
