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
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, ensurePackages, isRoot, run, sh, succeeded, uniqueName } from '../../helpers/sandbox';
import { cleanUpPodman, importBusybox, LIMITS, podmanIn, withPodmanOutsideCleaned } from '../../helpers/podman';
import { httpGet, withHost } from './env';
import { httpdArgs } from '../../helpers/rootfs';

const podmanSuite = suite('podman (CNI backend) runs containers on the network netctl created, with dist/bin as its plugins');
const it = isRoot ? podmanSuite : podmanSuite.skip;

podmanSuite.before(() => {
  // podman pulls in crun, not runc; this test runs runc (see containers.conf below).
  ensurePackages('podman', 'runc', 'busybox-static');
});

it('podman lists, inspects and runs containers on a netctl network: ping, a published port, clean teardown', async () => {
  await withPodmanOutsideCleaned(podmanCase);
});

async function podmanCase(): Promise<void> {
  await withHost(async (h) => {
    const dir = join(h.dir, 'podman');
    mkdirSync(dir);
    const podman = podmanIn({ ns: h.ns, dir, confDir: h.conf, pluginDir: BIN_DIR });
    const net = uniqueName('pn');
    const created = succeeded(await h.create(net, '--label', 'app=berth'));
    const bridge = created.stdout.split(/\s+/)[1];
    try {
      // podman reads the network: name, bridge, subnet, gateway, labels.
      assert.match(succeeded(await podman('network', 'ls', '--format', '{{.Name}}')).stdout, new RegExp(`^${net}$`, 'm'));
      const [info] = JSON.parse(succeeded(await podman('network', 'inspect', net)).stdout);
      assert.is(info.driver, 'bridge');
      assert.is(info.network_interface, bridge);
      assert.equal(info.subnets, [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }]);
      assert.equal(info.labels, { app: 'berth' });
      assert.is(info.internal, false);

      const image = await importBusybox(podman, dir);
      const srv = succeeded(
        await podman('run', '-d', '--name', 'srv', ...LIMITS, '--network', net, '-p', '8080:80', image, ...httpdArgs('/www')),
      ).stdout.trim();
      const ip = succeeded(
        await podman('inspect', '--format', `{{(index .NetworkSettings.Networks ${JSON.stringify(net)}).IPAddress}}`, 'srv'),
      ).stdout.trim();
      assert.match(ip, /^10\.89\.0\.\d+$/);
      // A second container pings the first across the bridge Berth made.
      const ping = succeeded(await podman('run', '--rm', ...LIMITS, '--network', net, image, 'ping', '-c', '1', '-W', '2', ip));
      assert.match(ping.stdout, /1 packets received/);
      // The published port, through Berth's portmap, from the host's localhost.
      let body = '';
      for (let i = 0; i < 30 && !body.includes('hello from podman'); i++) {
        body = await httpGet(h.ns, '127.0.0.1', '8080');
        if (!body.includes('hello from podman')) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(body, /hello from podman/);
      // netctl sees podman's attachment in libcni's cache and in host-local's leases.
      const [seen] = succeeded(
        await run('ip', [
          'netns',
          'exec',
          h.ns,
          join(BIN_DIR, 'netctl'),
          '--config-dir',
          h.conf,
          '--cache-dir',
          '/var/lib/cni',
          'inspect',
          net,
        ]),
      ).json;
      assert.equal(
        seen.state.containers.map((c: any) => [c.containerId, c.addresses, c.portMappings]),
        [[srv, [`${ip}/24`], [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]]],
      );
      assert.equal(
        seen.state.leases.map((l: any) => [l.ip, l.containerId]),
        [[ip, srv]],
      );
      // rm through netctl is refused while podman's container holds an address.
      const refused = await h.netctl('rm', net);
      assert.is(refused.code, 1);
      assert.match(
        refused.stderr,
        new RegExp(
          `^netctl: cannot remove network "${net}": 1 address still leased \\("${ip.replace(/\./g, '\\.')}" to "${srv}"\\); use --force\\n$`,
        ),
      );

      // podman's teardown is CNI DEL through Berth's plugins: nothing of the container is left.
      succeeded(await podman('rm', '-f', '-t', '0', 'srv'));
      const bridgePorts = sh('ip', ['-n', h.ns, '-j', 'link', 'show', 'master', bridge]).trim();
      assert.equal(bridgePorts ? JSON.parse(bridgePorts) : [], []);
      assert.not.ok(existsSync(`/var/lib/cni/results/${net}-${srv}-eth0`));
      assert.not.match(sh('ip', ['netns', 'exec', h.ns, 'nft', '-j', 'list', 'ruleset']), /"elem"/);
      assert.equal(JSON.parse(succeeded(await h.netctl('inspect', net)).stdout)[0].state.leases, []);
      succeeded(await h.netctl('rm', net));
      assert.not.match(succeeded(await podman('network', 'ls', '--format', '{{.Name}}')).stdout, new RegExp(`^${net}$`, 'm'));
    } finally {
      await cleanUpPodman(podman, dir);
    }
  });
}

podmanSuite.run();
