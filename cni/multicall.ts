/**
 * The four CNI plugins in one executable, compiled with Bun (scripts/build.mjs): dist/bin/bridge,
 * host-local, portmap and loopback are hard links to it, and it runs the plugin it was exec'd as.
 * The name comes from the executable's own path (/proc/self/exe keeps the name of the hard link a
 * runtime exec'd, also through a symbolic link such as /opt/cni/bin/bridge), else from argv[0].
 */
import { basename } from 'node:path';
import { processIO, runPlugin, type Handlers } from './skel.js';
import { programNames } from './sibling.js';

const plugins: Record<string, () => Promise<Handlers>> = {
  bridge: () => import('../bridge/bridge.js').then((m) => m.handlers),
  'host-local': () => import('../ipam/host-local.js').then((m) => m.handlers),
  loopback: () => import('../loopback/loopback.js').then((m) => m.handlers),
  portmap: () => import('../portmap/portmap.js').then((m) => m.handlers),
};

const name = programNames().find((n) => Object.hasOwn(plugins, n));
if (name === undefined) {
  process.stderr.write(`Berth's CNI plugins: exec'd as "${basename(process.argv0)}", which is none of ${Object.keys(plugins).join(', ')}\n`);
  process.exit(1);
}
runPlugin(plugins[name], processIO()).then((code) => process.exit(code));
