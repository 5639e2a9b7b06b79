import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRoot, sh, uniqueName, createNetns, deleteNetns, withTempDir } from '../../helpers/sandbox';
import { connect, countElements, startServer, withTopology, type Server, type Topology } from '../../helpers/topology';
import { openNftIn } from '../../../kernel/nft';
import * as fw from '../../../firewall/index';

const it = isRoot ? test : test.skip;

/** A second bridge (10.<n+1>.0.1/24) in the host netns with one container; returns its names. */
function secondNetwork(t: Topology, made: string[]): { bridge: string; ns: string; v4: string } {
  const base = t.gw4.split('.').map(Number);
  const n = base[1] + 1;
  const bridge = uniqueName('br');
  const c = uniqueName('n');
  createNetns(c);
  made.push(c);
  const ipn = (name: string, args: string[]) => sh('ip', ['-n', name, ...args]);
  ipn(t.host, ['link', 'add', bridge, 'type', 'bridge']);
  ipn(t.host, ['addr', 'add', `10.${n}.0.1/24`, 'dev', bridge]);
  ipn(t.host, ['link', 'set', bridge, 'up']);
  const veth = uniqueName('v');
  ipn(t.host, ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', c]);
  ipn(t.host, ['link', 'set', veth, 'master', bridge, 'up']);
  ipn(c, ['addr', 'add', `10.${n}.0.2/24`, 'dev', 'eth0']);
  ipn(c, ['link', 'set', 'eth0', 'up']);
  ipn(c, ['route', 'add', 'default', 'via', `10.${n}.0.1`]);
  return { bridge, ns: c, v4: `10.${n}.0.2` };
}

async function reaches(from: string, toNs: string, addr: string): Promise<boolean> {
  let server: Server | undefined;
  try {
    server = await startServer(toNs, 7100);
    const r = await connect(from, addr, 7100);
    return /pong/.test(r.stdout);
  } finally {
    server?.stop();
  }
}

it('ensureIsolation() drops forwarding between two isolated bridges only', async () => {
  const made: string[] = [];
  try {
    await withTempDir(async (stateDir) =>
      withTopology(async (t) => {
        const c1 = t.addContainer(2);
        const other = secondNetwork(t, made);
        t.routeBack();
        const nft = openNftIn(`/run/netns/${t.host}`);
        assert.ok(await reaches(c1.ns, other.ns, other.v4), 'routed before isolation');
        await fw.ensureIsolation({ nft, stateDir, network: 'web', bridge: t.bridge });
        assert.ok(await reaches(c1.ns, other.ns, other.v4), 'one isolated bridge alone stays routed');
        await fw.ensureIsolation({ nft, stateDir, network: 'db', bridge: other.bridge });
        await fw.ensureIsolation({ nft, stateDir, network: 'db', bridge: other.bridge }); // idempotent
        assert.not.ok(await reaches(c1.ns, other.ns, other.v4), 'isolated from web to db');
        assert.not.ok(await reaches(other.ns, c1.ns, c1.v4), 'isolated from db to web');
        assert.ok(await reaches(c1.ns, t.outside, t.out4), 'the outside stays reachable');
        assert.is(countElements(t.host, 'web'), 2);
        await fw.removeNetworkElements({ nft, stateDir, network: 'db', bridge: other.bridge });
        assert.ok(await reaches(c1.ns, other.ns, other.v4), 'routed again');
        await fw.gcFirewall('web', [], { nft, stateDir, bridge: t.bridge });
        assert.is(countElements(t.host, 'web'), 0);
      }),
    );
  } finally {
    for (const n of made) deleteNetns(n);
  }
});

test.run();
