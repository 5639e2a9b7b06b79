/**
 * The firewall's records through the built plugins: per network namespace under the default
 * directory (a namespace that gets a dead one's inode inherits nothing; GC removes dead ones), and
 * container IDs and network names of any valid length.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN_DIR,
  cniEnv,
  createNetns,
  deleteNetns,
  isRoot,
  runPluginByNsenter,
  uniqueName,
  withNetns,
  withTempDir,
} from '../../helpers/sandbox';
import { countElements, withDefaultRecordsDir } from '../../helpers/topology';
import { DEFAULT_STATE_DIR } from '../../../firewall/records';

const it = isRoot ? test : test.skip;
const ROOT = DEFAULT_STATE_DIR;

function portmapConf(network: string, container: string, opts: { hostPort?: number; firewallDir?: string } = {}) {
  return {
    cniVersion: '1.1.0',
    name: network,
    type: 'portmap',
    capabilities: { portMappings: true },
    ...(opts.firewallDir && { firewallDir: opts.firewallDir }),
    ...(opts.hostPort && { runtimeConfig: { portMappings: [{ hostPort: opts.hostPort, containerPort: 80, protocol: 'tcp' }] } }),
    prevResult: {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', sandbox: `/run/netns/${container}` }],
      ips: [{ address: '192.0.2.2/24', interface: 0 }],
    },
  };
}

const inodeOf = (ns: string) => statSync(`/run/netns/${ns}`).ino;
/** The default records' directories of namespace `ns` (one once a plugin ran there; the old naming too, to clean up after a failure). */
const dirsOf = (ns: string) =>
  existsSync(ROOT) ? readdirSync(ROOT).filter((n) => n.startsWith(`netns:${inodeOf(ns)}:`) || n === `netns-${inodeOf(ns)}`) : [];

/** A records' directory as a namespace's first ADD leaves it: the lock and one record of `network`. */
function writeStaleDir(name: string, network: string, record: object): void {
  mkdirSync(join(ROOT, name, network), { recursive: true });
  writeFileSync(join(ROOT, name, '.lock'), '');
  writeFileSync(join(ROOT, name, network, 'c1@eth0.json'), JSON.stringify(record));
}

it('records of a deleted namespace never reach a new namespace that gets its inode', async () => {
  const [h1, h2, c] = [uniqueName('h'), uniqueName('h'), uniqueName('c')];
  const network = uniqueName('net');
  await withDefaultRecordsDir(async (made) => {
    try {
      createNetns(h1);
      createNetns(c);
      assert.is((await runPluginByNsenter(h1, 'portmap', cniEnv('ADD', 'c1', c), portmapConf(network, c, { hostPort: 8080 }))).code, 0);
      made.push(...dirsOf(h1));
      const [dead] = dirsOf(h1);
      assert.ok(existsSync(join(ROOT, dead, network, 'c1@eth0.json')));
      deleteNetns(h1); // no DEL, no GC: its records stay
      createNetns(h2);
      // The kernel may give h2 h1's inode; make sure it looks so: h1's directory under h2's inode,
      // and one of the old naming (netns-<inode>) with a stale masquerade element for c1.
      const inode = inodeOf(h2);
      const deadAtInode = `netns:${inode}:${dead.split(':')[2]}`;
      if (deadAtInode !== dead) renameSync(join(ROOT, dead), join(ROOT, deadAtInode));
      const legacy = `netns-${inode}`;
      made.push(deadAtInode, legacy);
      const masq = { feature: 'masq', set: 'masq4', parts: [{ ip: '192.0.2.99' }], key: '192.0.2.99' };
      writeStaleDir(legacy, network, {
        version: 1,
        network,
        containerId: 'c1',
        ifName: 'eth0',
        tag: `${network}/c1/eth0`,
        elements: [masq],
      });

      const add = await runPluginByNsenter(h2, 'portmap', cniEnv('ADD', 'c1', c), portmapConf(network, c, { hostPort: 8081 }));
      made.push(...dirsOf(h2));
      assert.is(add.code, 0, add.stdout);
      const [own] = dirsOf(h2);
      assert.is.not(own, deadAtInode, 'a new cookie, a new directory');
      assert.not.ok(existsSync(join(ROOT, deadAtInode)), "the dead namespace's directory is gone");
      assert.not.ok(existsSync(join(ROOT, legacy)), 'the old-style directory of the inode is gone');
      const rec = JSON.parse(readFileSync(join(ROOT, own, network, 'c1@eth0.json'), 'utf8'));
      assert.equal([...new Set(rec.elements.map((e: { feature: string }) => e.feature))], ['portmap'], 'nothing inherited');
      assert.equal(
        rec.data.portmap.mappings.map((m: { hostPort: number }) => m.hostPort),
        [8081],
      );
      assert.is((await runPluginByNsenter(h2, 'portmap', cniEnv('DEL', 'c1', c), portmapConf(network, c))).code, 0);
      assert.is(countElements(h2, `${network}/`), 0);
    } finally {
      for (const ns of [h1, h2, c]) deleteNetns(ns);
    }
  });
});

it('portmap GC with the default directory removes the records of namespaces that no longer exist, keeps live ones', async () => {
  const [h, other, c] = [uniqueName('h'), uniqueName('h'), uniqueName('c')];
  const network = uniqueName('net');
  await withDefaultRecordsDir(async (made) => {
    try {
      for (const ns of [h, other, c]) createNetns(ns);
      // A namespace inode no network namespace can have: this process's mount namespace's (one inode space for all kinds).
      const gone = `netns:${statSync('/proc/self/ns/mnt').ino}:1`;
      const goneOld = `netns-${statSync('/proc/self/ns/mnt').ino}`;
      const alive = `netns:${inodeOf(other)}:1`;
      made.push(gone, goneOld, alive);
      for (const name of [gone, goneOld, alive])
        writeStaleDir(name, network, { version: 1, network, containerId: 'c1', ifName: 'eth0', tag: 'x', elements: [] });
      const add = await runPluginByNsenter(h, 'portmap', cniEnv('ADD', 'c2', c), portmapConf(network, c, { hostPort: 8080 }));
      made.push(...dirsOf(h));
      assert.is(add.code, 0, add.stdout);
      const gc = await runPluginByNsenter(
        h,
        'portmap',
        { CNI_COMMAND: 'GC' },
        { ...portmapConf(network, c), 'cni.dev/valid-attachments': [{ containerID: 'c2', ifname: 'eth0' }] },
      );
      assert.is(gc.code, 0, gc.stdout);
      assert.not.ok(existsSync(join(ROOT, gone)));
      assert.not.ok(existsSync(join(ROOT, goneOld)));
      assert.ok(existsSync(join(ROOT, alive)), "a live namespace's directory stays");
      assert.ok(existsSync(join(ROOT, dirsOf(h)[0], network, 'c2@eth0.json')), "and GC's own");
      assert.is((await runPluginByNsenter(h, 'portmap', cniEnv('DEL', 'c2', c), portmapConf(network, c))).code, 0);
    } finally {
      for (const ns of [h, other, c]) deleteNetns(ns);
    }
  });
});

const LONG_ID = 'c'.repeat(10_000);
const LONG_NETWORK = 'n'.repeat(300);

/** Runs `plugin` through `steps` with a fresh host and container namespace: each exits 0, ADD leaves elements, the last DEL none. */
async function runSteps(
  plugin: string,
  steps: (container: string) => Array<[cmd: string, conf: unknown]>,
  cniPath?: string,
): Promise<void> {
  await withNetns(2, async (h, c) => {
    for (const [cmd, conf] of steps(c)) {
      const r = await runPluginByNsenter(h, plugin, cniEnv(cmd, LONG_ID, c), conf, cniPath);
      assert.is(r.code, 0, `${cmd}: ${r.stdout.slice(0, 300)}`);
      if (cmd === 'ADD') assert.ok(countElements(h, '') > 0);
    }
    assert.is(countElements(h, ''), 0);
  });
}

it('portmap with a 10,000-character container ID and a 300-character network name: ADD, CHECK, DEL, DEL', async () => {
  await withTempDir(async (dir) =>
    runSteps('portmap', (c) => {
      const conf = (hostPort?: number) => portmapConf(LONG_NETWORK, c, { firewallDir: dir, hostPort });
      return [
        ['ADD', conf(8080)],
        ['CHECK', conf(8080)],
        ['DEL', conf()],
        ['DEL', conf()],
      ];
    }),
  );
});

/** An IPAM plugin that always answers 192.0.2.2/24 (the long-ID fixes of host-local are tested in ipam/). */
const FAKE_IPAM = `#!/bin/sh
cat >/dev/null
[ "$CNI_COMMAND" = ADD ] && echo '{"cniVersion":"1.1.0","ips":[{"address":"192.0.2.2/24","gateway":"192.0.2.1"}]}'
exit 0
`;

it('bridge with ipMasq and macspoofchk, a 10,000-character container ID and a 300-character network name: ADD, DEL, DEL', async () => {
  await withTempDir(async (dir) => {
    writeFileSync(join(dir, 'fake-ipam'), FAKE_IPAM);
    chmodSync(join(dir, 'fake-ipam'), 0o755);
    const conf = {
      cniVersion: '1.1.0',
      name: LONG_NETWORK,
      type: 'bridge',
      bridge: uniqueName('br'),
      isGateway: true,
      ipMasq: true,
      macspoofchk: true,
      firewallDir: `${dir}/fw`,
      ipam: { type: 'fake-ipam' },
    };
    await runSteps(
      'bridge',
      () => [
        ['ADD', conf],
        ['DEL', conf],
        ['DEL', conf],
      ],
      `${dir}:${BIN_DIR}`,
    );
  });
});

test.run();
