/**
 * bridge + host-local + dnsname through the built plugins, in a throwaway "host" namespace: names
 * and aliases resolve on their own network only, DEL removes them, the last DEL stops dnsmasq, a
 * killed dnsmasq is restarted by the next ADD.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cniEnv, ensurePackages, isRoot, runPluginByNsenter, uniqueName, withNetns, withTempDir } from '../../helpers/sandbox';
import { killOurDnsmasqs, resolve } from './dns';

const it = isRoot ? test : test.skip;
if (isRoot) ensurePackages('dnsmasq-base', 'dnsutils');

interface Net {
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
}

const conflist = (dir: string, net: Net) => [
  {
    type: 'bridge',
    bridge: net.bridge,
    isGateway: true,
    firewallDir: `${dir}/fw`,
    ipam: { type: 'host-local', dataDir: `${dir}/leases`, ranges: [[{ subnet: net.subnet }]] },
  },
  { type: 'dnsname', domainName: 'dns.berth', stateDir: `${dir}/dnsname`, capabilities: { aliases: true } },
];

const podEnv = (cmd: string, id: string, ns: string, name?: string) => ({
  ...cniEnv(cmd, id, ns),
  ...(name && { CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAME=${name}` }),
});

/** Runs the chain as a runtime does (prevResult passed along) and returns the last result. */
async function chainAdd(dir: string, host: string, net: Net, id: string, ns: string, name: string, aliases: string[] = []): Promise<any> {
  let prev: unknown;
  for (const conf of conflist(dir, net)) {
    const full = {
      cniVersion: '1.0.0',
      name: net.name,
      ...conf,
      ...(prev ? { prevResult: prev } : {}),
      ...(conf.type === 'dnsname' && { runtimeConfig: { aliases: { [net.name]: aliases } } }),
    };
    const r = await runPluginByNsenter(host, conf.type, podEnv('ADD', id, ns, name), full);
    assert.is(r.code, 0, `${conf.type} ADD ${id}: ${r.stdout}${r.stderr}`);
    prev = r.json;
  }
  return prev;
}

async function chainDel(dir: string, host: string, net: Net, id: string, ns: string, name: string): Promise<void> {
  for (const conf of conflist(dir, net).reverse()) {
    const r = await runPluginByNsenter(host, conf.type, podEnv('DEL', id, ns, name), { cniVersion: '1.0.0', name: net.name, ...conf });
    assert.is(r.code, 0, `${conf.type} DEL ${id}: ${r.stdout}${r.stderr}`);
  }
}

/** A network with unique names tagged `tag`, on `prefix`.0/24. */
const netOf = (tag: string, prefix = '198.51.100'): Net => ({
  name: uniqueName(`n${tag}`),
  bridge: uniqueName(`b${tag}`),
  subnet: `${prefix}.0/24`,
  gateway: `${prefix}.1`,
});

/** A temp dir, a host namespace and `containers` more; kills every dnsmasq started under the dir afterwards. */
async function withDnsHost(containers: number, fn: (dir: string, host: string, ...containers: string[]) => Promise<void>): Promise<void> {
  await withTempDir((dir) =>
    withNetns(containers + 1, async (host, ...cs) => {
      try {
        await fn(dir, host, ...cs);
      } finally {
        killOurDnsmasqs(dir);
      }
    }),
  );
}

const pidFile = (dir: string, net: Net) => join(dir, 'dnsname', net.name, 'pidfile');
const pidOf = (dir: string, net: Net) => Number(readFileSync(pidFile(dir, net), 'utf8').trim());
const isAlive = (pid: number) => existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dnsmasq');

it('names and aliases resolve on their network only; DEL removes them; the last DEL stops dnsmasq', async () => {
  await withDnsHost(3, async (dir, host, c1, c2, c3) => {
    const a = netOf('a');
    const b = netOf('b', '203.0.113');
    const r1 = await chainAdd(dir, host, a, 'ctr1', c1, 'web', ['www', 'front']);
    const r2 = await chainAdd(dir, host, a, 'ctr2', c2, 'client');
    await chainAdd(dir, host, b, 'ctr3', c3, 'other');
    const ip1 = r1.ips[0].address.split('/')[0];
    const ip2 = r2.ips[0].address.split('/')[0];
    assert.equal(r1.dns.nameservers, [a.gateway], 'the result names the network dnsmasq');
    assert.equal(r1.dns.search, ['dns.berth']);

    assert.equal(await resolve(c2, a.gateway, 'web'), [ip1], 'by name');
    assert.equal(await resolve(c2, a.gateway, 'www.dns.berth'), [ip1], 'by alias, fully qualified');
    assert.equal(await resolve(c1, a.gateway, 'client.dns.berth'), [ip2]);
    assert.equal(await resolve(c3, b.gateway, 'web.dns.berth'), [], 'another network has its own dnsmasq');
    assert.equal(await resolve(c3, b.gateway, 'other.dns.berth'), ['203.0.113.2']);
    assert.is.not(pidOf(dir, a), pidOf(dir, b), 'one dnsmasq per network');

    const check = await runPluginByNsenter(host, 'dnsname', podEnv('CHECK', 'ctr1', c1, 'web'), {
      cniVersion: '1.0.0',
      name: a.name,
      ...conflist(dir, a)[1],
      prevResult: r1,
    });
    assert.is(check.code, 0, check.stdout);

    const pidA = pidOf(dir, a);
    await chainDel(dir, host, a, 'ctr1', c1, 'web');
    assert.equal(await resolve(c2, a.gateway, 'web.dns.berth'), [], 'DEL removes the name');
    assert.equal(await resolve(c2, a.gateway, 'front.dns.berth'), [], 'and the aliases');
    assert.ok(isAlive(pidA), 'dnsmasq stays while a container is left');
    await chainDel(dir, host, a, 'ctr2', c2, 'client');
    assert.not.ok(
      existsSync(join(dir, 'dnsname', a.name)),
      `the last DEL removes the network files: ${existsSync(join(dir, 'dnsname', a.name)) && readdirSync(join(dir, 'dnsname', a.name))}`,
    );
    assert.not.ok(isAlive(pidA) && readFileSync(`/proc/${pidA}/cmdline`, 'utf8').includes(dir), 'the last DEL stops dnsmasq');
    assert.not.ok(existsSync(join(dir, 'dnsname', `${a.name}.lock`)), 'the network lock file goes with dnsmasq');
    assert.ok(existsSync(join(dir, 'dnsname', `${b.name}.lock`)), "the other network's lock stays while its dnsmasq runs");
    await chainDel(dir, host, a, 'ctr2', c2, 'client'); // DEL again: nothing to do, still success
    await chainDel(dir, host, b, 'ctr3', c3, 'other');
    assert.equal(readdirSync(join(dir, 'dnsname')), [], 'no lock file, no network dir is left');
  });
});

it('ADD after a kill -9 of dnsmasq starts a new one that serves every name', async () => {
  await withDnsHost(2, async (dir, host, c1, c2) => {
    const a = netOf('k');
    const r1 = await chainAdd(dir, host, a, 'k1', c1, 'first');
    const old = pidOf(dir, a);
    process.kill(old, 'SIGKILL');
    const check = await runPluginByNsenter(host, 'dnsname', podEnv('CHECK', 'k1', c1, 'first'), {
      cniVersion: '1.0.0',
      name: a.name,
      ...conflist(dir, a)[1],
      prevResult: r1,
    });
    assert.is(check.code, 1, 'CHECK sees dnsmasq gone');
    assert.is(check.json.code, 108);
    await chainAdd(dir, host, a, 'k2', c2, 'second');
    assert.is.not(pidOf(dir, a), old);
    assert.equal(await resolve(c2, a.gateway, 'first.dns.berth'), [r1.ips[0].address.split('/')[0]]);
    await chainDel(dir, host, a, 'k1', c1, 'first');
    await chainDel(dir, host, a, 'k2', c2, 'second');
  });
});

it('a DEL of the last container racing an ADD: the new name is served, the lock file stays while needed', async () => {
  await withDnsHost(2, async (dir, host, c1, c2) => {
    const a = netOf('r');
    for (let round = 0; round < 3; round++) {
      await chainAdd(dir, host, a, 'r1', c1, 'one');
      const [, r2] = await Promise.all([chainDel(dir, host, a, 'r1', c1, 'one'), chainAdd(dir, host, a, 'r2', c2, 'two')]);
      assert.equal(await resolve(c2, a.gateway, 'two.dns.berth'), [r2.ips[0].address.split('/')[0]], `round ${round}`);
      assert.ok(existsSync(join(dir, 'dnsname', `${a.name}.lock`)));
      await chainDel(dir, host, a, 'r2', c2, 'two');
      assert.equal(readdirSync(join(dir, 'dnsname')), [], `round ${round}: nothing left`);
    }
  });
});

it('GC removes the names of attachments not in the valid list', async () => {
  await withDnsHost(2, async (dir, host, c1, c2) => {
    const a = netOf('g');
    await chainAdd(dir, host, a, 'g1', c1, 'kept');
    await chainAdd(dir, host, a, 'g2', c2, 'stale');
    const gc = await runPluginByNsenter(
      host,
      'dnsname',
      { CNI_COMMAND: 'GC' },
      {
        cniVersion: '1.1.0',
        name: a.name,
        ...conflist(dir, a)[1],
        'cni.dev/valid-attachments': [{ containerID: 'g1', ifname: 'eth0' }],
      },
    );
    assert.is(gc.code, 0, gc.stdout);
    assert.equal(await resolve(c1, a.gateway, 'stale.dns.berth'), []);
    assert.is((await resolve(c2, a.gateway, 'kept.dns.berth')).length, 1);
    const none = await runPluginByNsenter(
      host,
      'dnsname',
      { CNI_COMMAND: 'GC' },
      { cniVersion: '1.1.0', name: a.name, ...conflist(dir, a)[1], 'cni.dev/valid-attachments': [] },
    );
    assert.is(none.code, 0, none.stdout);
    assert.not.ok(
      existsSync(join(dir, 'dnsname', a.name)),
      `GC of the last attachment stops dnsmasq and removes the files: ${existsSync(join(dir, 'dnsname', a.name)) && readdirSync(join(dir, 'dnsname', a.name))}`,
    );
    for (const [id, ns] of [
      ['g1', c1],
      ['g2', c2],
    ])
      await chainDel(dir, host, a, id, ns, id);
    assert.equal(readdirSync(join(dir, 'dnsname')), [], 'no lock file is left');
  });
});

test.run();
