/**
 * Berth's CNI plugins under containerd 1.6's CRI plugin, the path kubelet uses: a private containerd
 * (test/helpers/containerd.ts) with dist/bin as its CNI bin_dir, driven over CRI by a client that
 * plays kubelet (test/helpers/cri-client.ts). State is read back with ip -j, nft -j and the files.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureContainerdPackages, podNetworkConflist, startContainerd, type Containerd } from '../../helpers/containerd';
import {
  BIN_DIR,
  RUN_PREFIX,
  connectOutside,
  createNetns,
  deleteNetns,
  ipJson,
  isRoot,
  runIn,
  runPluginIn,
  sh,
  uniqueName,
} from '../../helpers/sandbox';
import { connect, countElements, startServer } from '../../helpers/topology';
import type { PodSpec } from '../../helpers/cri-client';

const it = isRoot ? test : test.skip;
const NETWORK = 'k8s-pod-network';
const SUBNET = /^192\.0\.2\.(\d+)$/;
const GATEWAY = '192.0.2.1';
const HOST_OUT = '198.51.100.1'; // the host's address towards the outside namespace (connectOutside)

interface Node {
  host: string;
  outside: string;
  data: string;
  c: Containerd;
}

/** A host namespace with an outside one beside it, and containerd running in the host namespace. */
async function withNode(fn: (node: Node) => Promise<void>): Promise<void> {
  ensureContainerdPackages();
  const host = uniqueName('h');
  const outside = uniqueName('o');
  const data = mkdtempSync(join(tmpdir(), `${RUN_PREFIX}-crid-`));
  let c: Containerd | undefined;
  try {
    createNetns(host);
    createNetns(outside);
    connectOutside(host, outside);
    c = await startContainerd({ hostNs: host, binDir: BIN_DIR, conflist: podNetworkConflist(NETWORK, data) });
    await fn({ host, outside, data, c });
  } finally {
    await c?.stop();
    deleteNetns(host);
    deleteNetns(outside);
    rmSync(data, { recursive: true, force: true });
  }
}

const podSpec = (c: Containerd, name: string, extra: Partial<PodSpec> = {}): PodSpec => ({
  name: `${RUN_PREFIX}-${name}`,
  namespace: 'default',
  uid: `uid-${RUN_PREFIX}-${name}`,
  attempt: 0,
  cgroupParent: c.cgroupParent,
  logDirectory: join(c.dir, 'logs', name),
  ...extra,
});

/** host-local's lease files (named by address) under the network's lease dir. */
function leases(data: string): string[] {
  const dir = join(data, 'ipam', NETWORK);
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^[0-9a-f.:]+$/.test(f) && f.includes('.')) : [];
}

const veths = (host: string): string[] =>
  ipJson(host, ['link', 'show', 'type', 'veth'])
    .map((l) => l.ifname)
    .filter((n: string) => n.startsWith('veth'));
const podNetns = (c: Containerd): string[] => (existsSync(c.inside('/run/netns')) ? readdirSync(c.inside('/run/netns')) : []);
const firewallRecords = (data: string): string[] => {
  const dir = join(data, 'firewall');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [e.name]));
  return existsSync(dir) ? walk(dir).filter((f) => !f.startsWith('.') && f !== 'lock') : [];
};

/** Names the pod's netns in /run/netns for `ip netns exec` (a bind mount of /proc/PID/ns/net); `release` unpins it. */
function attachPodNetns(pid: number): { name: string; release(): void } {
  const name = uniqueName('p');
  sh('ip', ['netns', 'attach', name, String(pid)]);
  return { name, release: () => deleteNetns(name) };
}

async function answers(serverNs: string, fromNs: string, addr: string, port: number): Promise<boolean> {
  const server = await startServer(serverNs, 80);
  try {
    return /pong/.test((await connect(fromNs, addr, port)).stdout);
  } finally {
    server.stop();
  }
}

it('CRI: three pods get distinct addresses, reach each other and the gateway; a hostPort answers from outside and from the host; Stop and Remove leave nothing', async () => {
  await withNode(async ({ host, outside, data, c }) => {
    const ids = [
      await c.cri.runPodSandbox(
        podSpec(c, 'web', { portMappings: [{ protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '' }] }),
      ),
      await c.cri.runPodSandbox(podSpec(c, 'db')),
      await c.cri.runPodSandbox(podSpec(c, 'cache')),
    ];
    const pods = await Promise.all(ids.map((id) => c.cri.podSandboxStatus(id)));
    for (const pod of pods) {
      assert.is(pod.state, 'SANDBOX_READY');
      assert.match(pod.ip, SUBNET, `pod IP ${pod.ip} in 192.0.2.0/24`);
      assert.is.not(pod.ip, GATEWAY);
    }
    assert.is(new Set(pods.map((p) => p.ip)).size, 3, `distinct addresses: ${pods.map((p) => p.ip)}`);
    assert.equal((await c.cri.listPodSandbox()).map((p) => p.id).sort(), [...ids].sort());
    assert.is(leases(data).length, 3);
    assert.is(veths(host).length, 3);

    const web = attachPodNetns(pods[0].pid!);
    try {
      assert.is((await runIn(web.name, 'ping', ['-c', '1', '-W', '5', pods[1].ip])).code, 0, 'pod to pod');
      assert.is((await runIn(web.name, 'ping', ['-c', '1', '-W', '5', GATEWAY])).code, 0, 'pod to gateway');
      assert.ok(await answers(web.name, outside, HOST_OUT, 8080), 'hostPort 8080 from the outside namespace');
      assert.ok(await answers(web.name, host, HOST_OUT, 8080), 'hostPort 8080 from the host namespace');
    } finally {
      web.release();
    }
    assert.ok(countElements(host, `${NETWORK}/${ids[0]}/`) > 0, "the hostPort mapping is an element of Berth's table");

    for (const id of ids) await c.cri.stopPodSandbox(id);
    assert.is(veths(host).length, 0, 'StopPodSandbox tears down the network');
    for (const id of ids) await c.cri.removePodSandbox(id);
    assert.equal(await c.cri.listPodSandbox(), []);
    assert.equal(leases(data), [], 'no lease');
    assert.equal(veths(host), [], 'no veth');
    assert.is(countElements(host, `${NETWORK}/`), 0, 'no nftables element');
    assert.equal(firewallRecords(data), [], 'no firewall record');
    assert.equal(podNetns(c), [], 'no pod network namespace');
  });
});

/** Processes of a CNI call for `podName` (containerd passes K8S_POD_NAME in CNI_ARGS). */
function cniCallsFor(podName: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const args =
        env
          .find((e) => e.startsWith('CNI_ARGS='))
          ?.slice('CNI_ARGS='.length)
          .split(';') ?? [];
      if (args.includes(`K8S_POD_NAME=${podName}`)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** CNI GC of the whole conflist, as a CNI 1.1 runtime sends it: every plugin, the live attachments as valid. */
async function gcNetwork(host: string, data: string, valid: Array<{ containerID: string; ifname: string }>): Promise<void> {
  const list = JSON.parse(podNetworkConflist(NETWORK, data));
  for (const plugin of list.plugins) {
    const r = await runPluginIn(
      host,
      plugin.type,
      { CNI_COMMAND: 'GC' },
      { ...plugin, cniVersion: '1.1.0', name: list.name, 'cni.dev/valid-attachments': valid },
    );
    assert.is(r.code, 0, `${plugin.type} GC: ${r.stdout}${r.stderr}`);
  }
}

it('CRI: containerd killed with SIGKILL mid-RunPodSandbox and restarted: CNI GC with the live pod as valid removes the rest, Remove of what containerd recovered leaves only the live pod', async () => {
  await withNode(async ({ host, data, c }) => {
    const live = await c.cri.runPodSandbox(podSpec(c, 'live'));
    const livePod = await c.cri.podSandboxStatus(live);
    const victim = podSpec(c, 'victim', { portMappings: [{ protocol: 'TCP', container_port: 80, host_port: 8081 }] });
    const running = c.cri.runPodSandbox(victim).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    // Kill once the victim's address is leased: the CNI ADD is under way.
    for (let i = 0; leases(data).length < 2 && i < 6000; i++) await new Promise((r) => setTimeout(r, 5));
    await c.killAndRestart();
    const outcome = await running;
    // The plugin processes outlive containerd; let the call finish before looking at what it left.
    for (let i = 0; cniCallsFor(victim.name).length > 0 && i < 600; i++) await new Promise((r) => setTimeout(r, 50));

    // CNI GC first, as a newer runtime sends it after a restart: the live pod is the only valid attachment.
    await gcNetwork(host, data, [{ containerID: live, ifname: 'eth0' }]);
    assert.equal(leases(data), [livePod.ip], "GC keeps the live pod's lease and releases the rest");
    assert.is(
      countElements(host, `${NETWORK}/`),
      countElements(host, `${NETWORK}/${live}/`),
      "only the live pod's nftables elements remain",
    );
    assert.ok(countElements(host, `${NETWORK}/${live}/`) > 0, 'the live pod keeps its elements');

    // What containerd recovered of the victim (a NOTREADY sandbox) is stopped and removed, as kubelet would.
    for (const pod of await c.cri.listPodSandbox()) {
      if (pod.id === live) continue;
      await c.cri.stopPodSandbox(pod.id);
      await c.cri.removePodSandbox(pod.id);
    }
    assert.equal(
      (await c.cri.listPodSandbox()).map((p) => p.id),
      [live],
      `only the live pod is listed (RunPodSandbox: ${outcome})`,
    );
    assert.equal(leases(data), [livePod.ip]);

    // A netns containerd 1.6 made but did not record before the kill stays pinned; unpinning it frees its veth.
    for (const ns of podNetns(c).filter((n) => livePod.netnsPath?.endsWith(`/${n}`) !== true)) {
      await c.runInside('umount', [join('/run/netns', ns)]);
      await c.runInside('rm', ['-f', join('/run/netns', ns)]);
    }
    for (let i = 0; veths(host).length > 1 && i < 200; i++) await new Promise((r) => setTimeout(r, 50));
    assert.is(veths(host).length, 1, "only the live pod's veth remains");
    const pinned = attachPodNetns(livePod.pid!);
    try {
      assert.is((await runIn(pinned.name, 'ping', ['-c', '1', '-W', '5', GATEWAY])).code, 0, 'the live pod still reaches its gateway');
    } finally {
      pinned.release();
    }

    await c.cri.stopPodSandbox(live);
    await c.cri.removePodSandbox(live);
    assert.equal(leases(data), []);
    assert.equal(veths(host), []);
    assert.is(countElements(host, `${NETWORK}/`), 0);
    assert.equal(firewallRecords(data), []);
    assert.equal(podNetns(c), []);
  });
});

test.run();
