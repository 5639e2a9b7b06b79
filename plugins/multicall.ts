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
import { PLUGIN_ENTRIES } from './entries.js';

/**
 * Each plugin and berth is an entry point of its own in the build, with its own bytecode, loaded by
 * its embedded path (/$bunfs/root/...) and run on import: a call loads only the program it runs.
 */
const embedded = (entry: string) => join(dirname(process.argv[1]), entry);
const TOOLS: Readonly<Record<string, () => Promise<unknown>>> = { berth: () => import(embedded('berth/main.js')) };

const name = programNames().find((n) => Object.hasOwn(PLUGIN_ENTRIES, n) || Object.hasOwn(TOOLS, n));
if (name === undefined) {
  process.stderr.write(
    `Berth's CNI plugins: exec'd as "${basename(process.argv0)}", which is none of ${[...Object.keys(PLUGIN_ENTRIES), ...Object.keys(TOOLS)].join(', ')}\n`,
  );
  process.exit(1);
}
if (Object.hasOwn(TOOLS, name)) void TOOLS[name]();
else void import(embedded(PLUGIN_ENTRIES[name as keyof typeof PLUGIN_ENTRIES]));
