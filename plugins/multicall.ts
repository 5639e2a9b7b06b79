/**
 * The four CNI plugins in one executable, compiled with Bun (scripts/build.mjs): dist/bin/bridge,
 * host-local, portmap and loopback are hard links to it, and it runs the plugin it was exec'd as.
 * The name comes from the executable's own path (/proc/self/exe keeps the name of the hard link a
 * runtime exec'd, also through a symbolic link such as /opt/cni/bin/bridge), else from argv[0].
 */
import { basename } from 'node:path';
import { processIO, runPlugin } from '../cni/skel.js';
import { programNames } from '../cni/sibling.js';
import { PLUGINS } from './registry.js';

const name = programNames().find((n) => Object.hasOwn(PLUGINS, n));
if (name === undefined) {
  process.stderr.write(`Berth's CNI plugins: exec'd as "${basename(process.argv0)}", which is none of ${Object.keys(PLUGINS).join(', ')}\n`);
  process.exit(1);
}
runPlugin(PLUGINS[name], processIO()).then((code) => process.exit(code));
