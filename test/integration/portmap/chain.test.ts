/** The whole chain through the CNI exec protocol: bridge (+ host-local, ipMasq) then portmap, as a runtime runs it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cniEnv, createNetns, deleteNetns, ipJson, isRoot, runPluginIn, sh, uniqueName, withTempDir } from '../../helpers/sandbox';
import { connect, countElements, peerOf, startServer, withTopology, type Server, type Topology } from '../../helpers/topology';

const it = isRoot ? test : test.skip;

interface Chain {
  t: Topology;
  dir: string;
  br: string;
  subnet: string;
}

function bridgeConf(c: Chain) {
  return {
    cniVersion: '1.0.0',
    name: 'chain',
    type: 'bridge',
    bridge: c.br,
    isGateway: true,
    isDefaultGateway: true,
    ipMasq: true,
    hairpinMode: true,
    firewallDir: `${c.dir}/fw`,
    ipam: { type: 'host-local', dataDir: `${c.dir}/leases`, ranges: [[{ subnet: c.subnet }]] },
  };
}

function portmapConf(c: Chain, prevResult: unknown, portMappings?: unknown[]) {
  return {
    cniVersion: '1.0.0',
    name: 'chain',
    type: 'portmap',
    firewallDir: `${c.dir}/fw`,
    capabilities: { portMappings: true },
    ...(portMappings && { runtimeConfig: { portMappings } }),
    ...(prevResult ? { prevResult } : {}),
  };
}

/** ADD bridge then portmap (prevResult chained); returns the final result. */
async function chainAdd(c: Chain, id: string, ns: string, hostPort: number): Promise<any> {
  const b = await runPluginIn(c.t.host, 'bridge', cniEnv('ADD', id, ns), bridgeConf(c));
  assert.is(b.code, 0, `bridge ADD ${id}: ${b.stdout}`);
  const p = await runPluginIn(
    c.t.host,
    'portmap',
    cniEnv('ADD', id, ns),
    portmapConf(c, b.json, [{ hostPort, containerPort: 80, protocol: 'tcp' }]),
  );
  assert.is(p.code, 0, `portmap ADD ${id}: ${p.stdout}`);
  return p.json;
}

/** DEL in reverse order, as a runtime does; prevResult optional. */
async function chainDel(c: Chain, id: string, ns: string, prev?: unknown): Promise<void> {
  const p = await runPluginIn(c.t.host, 'portmap', cniEnv('DEL', id, ns), portmapConf(c, prev));
  assert.is(p.code, 0, `portmap DEL ${id}: ${p.stdout}`);
  const b = await runPluginIn(c.t.host, 'bridge', cniEnv('DEL', id, ns), { ...bridgeConf(c), ...(prev ? { prevResult: prev } : {}) });
  assert.is(b.code, 0, `bridge DEL ${id}: ${b.stdout}`);
}

async function withChain(fn: (c: Chain) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) =>
    withTopology(async (t) => {
      const n = Number(t.gw4.split('.')[1]);
      await fn({ t, dir, br: uniqueName('cb'), subnet: `10.${n}.8.0/24` });
    }),
  );
}

it('chain ADD: the outside reaches the container through the host port and sees its traffic from the host address', async () => {
  await withChain(async (c) => {
    const ns = uniqueName('c');
    createNetns(ns);
    try {
      const result = await chainAdd(c, 'c1', ns, 8080);
      const addr = result.ips[0].address.split('/')[0];
      let server: Server | undefined;
      try {
        server = await startServer(ns, 80);
        assert.match((await connect(c.t.outside, c.t.hostOut4, 8080)).stdout, /pong/);
        assert.is(peerOf(server), c.t.out4);
      } finally {
        server?.stop();
      }
      try {
        server = await startServer(c.t.outside, 7000);
        assert.match((await connect(ns, c.t.out4, 7000)).stdout, /pong/);
        assert.is(peerOf(server), c.t.hostOut4, `masqueraded, not ${addr}`);
      } finally {
        server?.stop();
      }
      try {
        server = await startServer(ns, 80);
        assert.match((await connect(c.t.host, '127.0.0.1', 8080)).stdout, /pong/, 'localhost');
      } finally {
        server?.stop();
      }
      try {
        server = await startServer(ns, 80);
        assert.match((await connect(ns, c.t.hostOut4, 8080)).stdout, /pong/, 'hairpin to its own port');
      } finally {
        server?.stop();
      }
      const check = await runPluginIn(
        c.t.host,
        'portmap',
        cniEnv('CHECK', 'c1', ns),
        portmapConf(c, result, [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]),
      );
      assert.is(check.code, 0, check.stdout);
      await chainDel(c, 'c1', ns, result);
      assert.is(countElements(c.t.host, '/c1/'), 0);
    } finally {
      deleteNetns(ns);
    }
  });
});

it('chain DEL with the netns gone and without prevResult leaves no element', async () => {
  await withChain(async (c) => {
    const ns = uniqueName('c');
    createNetns(ns);
    await chainAdd(c, 'gone', ns, 8081);
    assert.ok(countElements(c.t.host, '/gone/') >= 3);
    deleteNetns(ns);
    await chainDel(c, 'gone', ns);
    assert.is(countElements(c.t.host, '/gone/'), 0);
    await chainDel(c, 'gone', ns); // idempotent
  });
});

it('20 parallel chain ADDs then 20 parallel DELs: distinct ports work, nothing remains', async () => {
  await withChain(async (c) => {
    const names = Array.from({ length: 20 }, () => uniqueName('p'));
    try {
      for (const ns of names) createNetns(ns);
      await Promise.all(names.map((ns, i) => chainAdd(c, `par${i}`, ns, 9000 + i)));
      for (let i = 0; i < 20; i++) assert.ok(countElements(c.t.host, `/par${i}/`) >= 3, `par${i}`);
      const hostports = JSON.parse(sh('ip', ['netns', 'exec', c.t.host, 'nft', '-j', 'list', 'map', 'inet', 'berth', 'hostport4']))
        .nftables[1].map.elem.length;
      assert.is(hostports, 20);
      let server: Server | undefined;
      try {
        server = await startServer(names[7], 80);
        assert.match((await connect(c.t.outside, c.t.hostOut4, 9007)).stdout, /pong/);
      } finally {
        server?.stop();
      }
      const ports = () => ipJson(c.t.host, ['link', 'show', 'master', c.br]).length;
      assert.is(ports(), 20);
      await Promise.all(names.map((ns, i) => chainDel(c, `par${i}`, ns)));
      assert.is(countElements(c.t.host, '/par'), 0);
      // Read at once: each DEL returns only when its veth is gone (its deletion ends in a detached `ip`).
      assert.is(ports(), 0, 'no veth left on the bridge');
      for (const ns of names) assert.equal(ipJson(ns, ['link', 'show', 'type', 'veth']), [], `no eth0 left in ${ns}`);
    } finally {
      for (const ns of names) deleteNetns(ns);
    }
  });
});

test.run();
