import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, deleteNetns, isRoot, pings, sh, succeeded, uniqueName } from '../../helpers/sandbox';
import { type Host, httpGet, withHost } from './env';
import { httpdArgs } from '../../helpers/rootfs';

const e2e = suite('netctl end to end: the conflist netctl create wrote, used by the runtime verbs');
const it = isRoot ? e2e : e2e.skip;

/** An "outside" namespace joined to the host by a veth: host 198.51.100.1, outside 198.51.100.2; no route back to containers. */
async function withOutside(h: Host, fn: (outside: string) => Promise<void>): Promise<void> {
  const outside = uniqueName('o');
  const veth = uniqueName('v');
  createNetns(outside);
  try {
    sh('ip', ['-n', h.ns, 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside]);
    sh('ip', ['-n', h.ns, 'addr', 'add', '198.51.100.1/24', 'dev', veth]);
    sh('ip', ['-n', h.ns, 'link', 'set', veth, 'up']);
    sh('ip', ['-n', outside, 'addr', 'add', '198.51.100.2/24', 'dev', 'eth0']);
    sh('ip', ['-n', outside, 'link', 'set', 'eth0', 'up']);
    await fn(outside);
  } finally {
    deleteNetns(outside);
  }
}

/** busybox httpd in `ns` on port 80 serving "hello from NS"; killed by PID when done. */
async function withServer<T>(ns: string, fn: () => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'netctl-www-'));
  writeFileSync(join(root, 'index.html'), `hello from ${ns}\n`);
  const server: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'busybox', ...httpdArgs(root)], { stdio: 'ignore' });
  server.on('error', () => {});
  try {
    for (let i = 0; ; i++) {
      if ((await httpGet(ns, '127.0.0.1', '80')).endsWith(`hello from ${ns}\n`)) break;
      if (i === 50) throw new Error(`busybox httpd in ${ns} did not answer on 127.0.0.1:80`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return await fn();
  } finally {
    server.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}

it('two containers on one network ping each other; a mapped port is reached from outside; masquerade lets them out', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('web'));
    succeeded(await h.create('private', '--no-masquerade'));
    const [c1, c2, c3] = [h.container(), h.container(), h.container()];
    const a = succeeded(await h.netctl('attach', 'web', c1, '-p', '80'));
    const hostPort = a.stdout.match(/80\/tcp -> 0\.0\.0\.0:(\d+)/)![1];
    succeeded(await h.netctl('attach', 'web', c2, '-p', '8080:80'));
    succeeded(await h.netctl('attach', 'private', c3));
    assert.ok(await pings(c1, '10.89.0.3'), 'c1 -> c2');
    assert.ok(await pings(c2, '10.89.0.2'), 'c2 -> c1');
    await withOutside(h, async (outside) => {
      await withServer(c1, async () => {
        assert.is(await httpGet(outside, '198.51.100.1', hostPort), `hello from ${c1}\n`);
      });
      await withServer(c2, async () => {
        assert.is(await httpGet(outside, '198.51.100.1', '8080'), `hello from ${c2}\n`);
      });
      // The outside has no route to 10.89/16: only a masqueraded ping comes back.
      sh('ip', ['-n', c1, 'route', 'replace', 'default', 'via', '10.89.0.1']);
      assert.ok(await pings(c1, '198.51.100.2'), 'masqueraded ping from web');
      assert.not.ok(await pings(c3, '198.51.100.2'), '--no-masquerade: no way back');
    });
    for (const [net, c] of [
      ['web', c1],
      ['web', c2],
      ['private', c3],
    ])
      succeeded(await h.netctl('detach', net, c));
    succeeded(await h.netctl('rm', 'web', 'private'));
  });
});

it('isolation: two --isolate networks cannot reach each other; two plain networks are routed', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('iso1', '--isolate'));
    succeeded(await h.create('iso2', '--isolate'));
    succeeded(await h.create('open1'));
    succeeded(await h.create('open2'));
    const [c1, c2, c3, c4] = [h.container(), h.container(), h.container(), h.container()];
    succeeded(await h.netctl('attach', 'iso1', c1));
    succeeded(await h.netctl('attach', 'iso2', c2));
    succeeded(await h.netctl('attach', 'open1', c3));
    succeeded(await h.netctl('attach', 'open2', c4));
    assert.ok(await pings(c1, '10.89.0.1'), 'own gateway');
    assert.not.ok(await pings(c1, '10.89.1.2'), 'iso1 -> iso2 dropped');
    assert.not.ok(await pings(c2, '10.89.0.2'), 'iso2 -> iso1 dropped');
    assert.ok(await pings(c3, '10.89.3.2'), 'open1 -> open2 routed');
    assert.ok(await pings(c4, '10.89.2.2'), 'open2 -> open1 routed');
    succeeded(await h.netctl('rm', '--force', 'iso1', 'iso2', 'open1', 'open2'));
    assert.is(sh('ip', ['-n', h.ns, '-br', 'link', 'show', 'type', 'bridge']).trim(), '');
    assert.not.match(sh('ip', ['netns', 'exec', h.ns, 'nft', '-j', 'list', 'ruleset']), /"elem"/);
  });
});

it('--internal: containers reach each other and the host, but there is no route out, and a route of their own does not help', async () => {
  await withHost(async (h) => {
    succeeded(await h.create('int', '--internal'));
    const [c1, c2] = [h.container(), h.container()];
    succeeded(await h.netctl('attach', 'int', c1));
    succeeded(await h.netctl('attach', 'int', c2));
    assert.ok(await pings(c1, '10.89.0.3'));
    assert.ok(await pings(c1, '10.89.0.1'));
    assert.is(sh('ip', ['-n', c1, 'route', 'show', 'default']).trim(), '');
    await withOutside(h, async () => {
      assert.not.ok(await pings(c1, '198.51.100.2'));
      sh('ip', ['-n', c1, 'route', 'add', 'default', 'via', '10.89.0.1']);
      assert.not.ok(await pings(c1, '198.51.100.2'), "the bridge's internal drop stops what the container routes out itself");
    });
    succeeded(await h.netctl('rm', '--force', 'int'));
    assert.not.match(sh('ip', ['netns', 'exec', h.ns, 'nft', '-j', 'list', 'ruleset']), /"elem"/, 'rm lifts the drop');
  });
});

it('--ipv6: a dual-stack network from the pools; containers reach each other over both families', async () => {
  await withHost(async (h) => {
    assert.match(succeeded(await h.create('dual', '--ipv6')).stdout, /^dual  br-[0-9a-f]{12}  10\.89\.0\.0\/24,fd89:b3e7:4a00::\/64\n$/);
    const [c1, c2] = [h.container(), h.container()];
    assert.is(succeeded(await h.netctl('attach', 'dual', c1)).stdout, 'eth0  10.89.0.2/24  fd89:b3e7:4a00::2/64\n');
    succeeded(await h.netctl('attach', 'dual', c2));
    assert.ok(await pings(c1, '10.89.0.3'));
    assert.ok(await pings(c1, 'fd89:b3e7:4a00::3'));
    assert.ok(await pings(c2, 'fd89:b3e7:4a00::1'));
  });
});

e2e.run();
