/**
 * A real CNI client no one here wrote: podman 4.3 (Debian bookworm) with its CNI backend drives the
 * conflist `netctl create` wrote, with dist/bin as its only plugin dir. All of podman's storage is in
 * a temp dir; it runs inside the throwaway host netns through `nsenter --net` (not `ip netns exec`,
 * which remounts /sys and so hides the cgroup mounts runc needs).
 *
 * podman 4.3 has no setting for libcni's cache dir: while a container runs, its cache entry is
 * /var/lib/cni/results/<network>-<id>-eth0 (removed by podman at teardown). The network name is
 * unique per run, so nothing there is shared with anything else.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, ensurePackages, isRoot, run, sh, uniqueName, type RunResult } from '../../helpers/sandbox';
import { httpGet, ok, withHost, type Host } from './env';

const podmanSuite = suite('podman (CNI backend) runs containers on the network netctl created, with dist/bin as its plugins');
const it = isRoot ? podmanSuite : podmanSuite.skip;

podmanSuite.before(() => {
  // podman pulls in crun, not runc; this test runs runc (see containers.conf below).
  ensurePackages('podman', 'runc', 'busybox-static');
});

interface Podman {
  (...args: string[]): Promise<RunResult>;
}

/** podman with every path in `dir`, the CNI backend, dist/bin as plugin dir, run in the host netns. */
function podmanIn(h: Host, dir: string): Podman {
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, [
    '[network]', 'network_backend = "cni"', `cni_plugin_dirs = [${JSON.stringify(BIN_DIR)}]`, `network_config_dir = ${JSON.stringify(h.conf)}`,
    '[engine]', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"', 'runtime = "runc"', '',
  ].join('\n'));
  const storage = join(dir, 'storage.conf');
  writeFileSync(storage, ['[storage]', 'driver = "vfs"', `graphroot = ${JSON.stringify(join(dir, 'root'))}`, `runroot = ${JSON.stringify(join(dir, 'runroot'))}`, ''].join('\n'));
  return (...args: string[]) => run('nsenter', [`--net=/run/netns/${h.ns}`, 'podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--tmpdir', join(dir, 'tmp'),
    '--network-backend', 'cni', '--cni-config-dir', h.conf, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--storage-driver', 'vfs', ...args],
  { env: { CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage, HOME: dir } });
}

/** A one-file image: busybox-static with its applets, and /www/index.html. */
async function importBusybox(podman: Podman, dir: string): Promise<string> {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'www'));
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  sh('chroot', [rootfs, '/bin/busybox', '--install', '-s', '/bin']);
  writeFileSync(join(rootfs, 'www/index.html'), 'hello from podman\n');
  const tar = join(dir, 'rootfs.tar');
  sh('tar', ['-C', rootfs, '-cf', tar, '.']);
  ok(await podman('import', tar, 'localhost/berth-busybox:test'));
  return 'localhost/berth-busybox:test';
}

// Podman's defaults ask for rlimits above this machine's hard limits; lowering is always allowed.
const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

/** Paths podman 4.3 writes outside its --root whatever it is told; removed after the test unless they were there before. */
const PODMAN_OUTSIDE = ['/var/lib/containers/cache/blob-info-cache-v1.boltdb', '/var/lib/containers/cache', '/var/lib/containers', '/var/lib/cni/results', '/var/lib/cni'];

it('podman lists, inspects and runs containers on a netctl network: ping, a published port, clean teardown', async () => {
  const before = new Set(PODMAN_OUTSIDE.filter((p) => existsSync(p)));
  try {
    await podmanCase();
  } finally {
    for (const p of PODMAN_OUTSIDE.filter((x) => !before.has(x) && existsSync(x))) {
      // Files podman made, and directories only when empty (another tool may use them meanwhile).
      try {
        if (p.endsWith('.boltdb')) rmSync(p); else rmdirSync(p);
      } catch { /* not empty: in use */ }
    }
  }
});

async function podmanCase(): Promise<void> {
  await withHost(async (h) => {
    const dir = join(h.dir, 'podman');
    mkdirSync(dir);
    const podman = podmanIn(h, dir);
    const net = uniqueName('pn');
    const created = ok(await h.create(net, '--label', 'app=berth'));
    const bridge = created.stdout.split(/\s+/)[1];
    try {
      // podman reads the network: name, bridge, subnet, gateway, labels.
      assert.match(ok(await podman('network', 'ls', '--format', '{{.Name}}')).stdout, new RegExp(`^${net}$`, 'm'));
      const [info] = JSON.parse(ok(await podman('network', 'inspect', net)).stdout);
      assert.is(info.driver, 'bridge');
      assert.is(info.network_interface, bridge);
      assert.equal(info.subnets, [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }]);
      assert.equal(info.labels, { app: 'berth' });
      assert.is(info.internal, false);

      const image = await importBusybox(podman, dir);
      const srv = ok(await podman('run', '-d', '--name', 'srv', ...LIMITS, '--network', net, '-p', '8080:80', image, 'httpd', '-f', '-p', '80', '-h', '/www')).stdout.trim();
      const ip = ok(await podman('inspect', '--format', `{{(index .NetworkSettings.Networks ${JSON.stringify(net)}).IPAddress}}`, 'srv')).stdout.trim();
      assert.match(ip, /^10\.89\.0\.\d+$/);
      // A second container pings the first across the bridge Berth made.
      const ping = ok(await podman('run', '--rm', ...LIMITS, '--network', net, image, 'ping', '-c', '1', '-W', '2', ip));
      assert.match(ping.stdout, /1 packets received/);
      // The published port, through Berth's portmap, from the host's localhost.
      let body = '';
      for (let i = 0; i < 30 && !body.includes('hello from podman'); i++) {
        body = await httpGet(h.ns, '127.0.0.1', '8080');
        if (!body.includes('hello from podman')) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(body, /hello from podman/);
      // netctl sees podman's attachment in libcni's cache and in host-local's leases.
      const [seen] = ok(await run('ip', ['netns', 'exec', h.ns, join(BIN_DIR, 'netctl'), '--config-dir', h.conf, '--cache-dir', '/var/lib/cni', 'inspect', net])).json;
      assert.equal(seen.state.containers.map((c: any) => [c.containerId, c.addresses, c.portMappings]), [[srv, [`${ip}/24`], [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]]]);
      assert.equal(seen.state.leases.map((l: any) => [l.ip, l.containerId]), [[ip, srv]]);
      // rm through netctl is refused while podman's container holds an address.
      const refused = await h.netctl('rm', net);
      assert.is(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`^netctl: cannot remove network "${net}": 1 address still leased \\("${ip.replace(/\./g, '\\.')}" to "${srv}"\\); use --force\\n$`));

      // podman's teardown is CNI DEL through Berth's plugins: nothing of the container is left.
      ok(await podman('rm', '-f', '-t', '0', 'srv'));
      const bridgePorts = sh('ip', ['-n', h.ns, '-j', 'link', 'show', 'master', bridge]).trim();
      assert.equal(bridgePorts ? JSON.parse(bridgePorts) : [], []);
      assert.not.ok(existsSync(`/var/lib/cni/results/${net}-${srv}-eth0`));
      assert.not.match(sh('ip', ['netns', 'exec', h.ns, 'nft', '-j', 'list', 'ruleset']), /"elem"/);
      assert.equal(JSON.parse(ok(await h.netctl('inspect', net)).stdout)[0].state.leases, []);
      ok(await h.netctl('rm', net));
      assert.not.match(ok(await podman('network', 'ls', '--format', '{{.Name}}')).stdout, new RegExp(`^${net}$`, 'm'));
    } finally {
      await podman('rm', '-a', '-f', '-t', '0');
      // Anything podman left mounted under its temp root goes before the dir is removed.
      for (const line of readFileSync('/proc/mounts', 'utf8').split('\n').reverse()) {
        const target = line.split(' ')[1];
        if (target?.startsWith(dir)) await run('umount', ['-l', target]);
      }
    }
  });
}

podmanSuite.run();
