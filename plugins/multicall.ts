/**
 * The entry point of the executable compiled with Bun (scripts/build.mjs) to dist/lib/cni.<hash>,
 * holding the CNI plugins and `berth`. dist/bin/berth, bridge, host-local, portmap, loopback and
 * dnsname are links to the C front (plugins/front/), which answers VERSION, provable no-ops and a
 * plain `berth exec` itself and execs this for the rest with argv[0] kept. The name comes from the
 * executable's own path (/proc/self/exe keeps the name of the hard link a runtime exec'd), else from
 * argv[0].
 */
import { basename, dirname, join } from 'node:path';
import { programNames } from '../cni/sibling.js';
import { PLUGINS } from './registry.js';

/**
 * berth is an entry point of its own in the build, loaded by its embedded path (/$bunfs/root/...)
 * and run on import, so a plugin's start never loads berth's code. A plugin's skeleton and its
 * handlers are chunks of their own (code splitting): a call loads only the plugin it runs.
 */
const embedded = (entry: string) => join(dirname(process.argv[1]), entry);
const TOOLS: Readonly<Record<string, () => Promise<unknown>>> = { berth: () => import(embedded('berth/main.js')) };

const name = programNames().find((n) => Object.hasOwn(PLUGINS, n) || Object.hasOwn(TOOLS, n));
if (name === undefined) {
  process.stderr.write(
    `Berth's CNI plugins: exec'd as "${basename(process.argv0)}", which is none of ${[...Object.keys(PLUGINS), ...Object.keys(TOOLS)].join(', ')}\n`,
  );
  process.exit(1);
}
if (Object.hasOwn(TOOLS, name)) void TOOLS[name]();
else
  void import('../cni/skel.js')
    .then(({ processIO, runPlugin }) => runPlugin(PLUGINS[name], processIO()))
    .then((code) => process.exit(code));
