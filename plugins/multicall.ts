/**
 * The CNI plugins and `berth` in one executable, compiled with Bun (scripts/build.mjs) to
 * dist/lib/cni.<hash>. dist/bin/berth, bridge, host-local, portmap, loopback and dnsname are links
 * to the C front (plugins/front/), which answers VERSION, provable no-ops and a plain `berth exec`
 * itself and execs this for the rest with argv[0] kept. The name comes from the executable's own path
 * (/proc/self/exe keeps the name of the hard link a runtime exec'd), else from argv[0].
 */
import { basename, dirname, join } from 'node:path';
import type { PluginIO } from '../cni/skel.js';
import { processIO } from '../cni/process-io.js';
import { programNames } from '../cni/sibling.js';
import { PLUGINS } from './registry.js';

/** Runs the plugin `name` (VERSION included, when the front in plugins/front/ did not answer it). */
async function main(name: string, io: PluginIO): Promise<number> {
  const { runPlugin } = await import('../cni/skel.js');
  return runPlugin(PLUGINS[name], io);
}

/**
 * The command lines compiled into this executable beside the plugins; each runs on import. berth is
 * a second entry point of the build (scripts/build.mjs), with bytecode of its own, so a plugin's
 * start loads none of it; its embedded path sits beside this entry's (/$bunfs/root/...).
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
if (Object.hasOwn(TOOLS, name)) {
  void TOOLS[name]();
} else {
  main(name, processIO()).then((code) => process.exit(code));
}
