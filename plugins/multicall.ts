/**
 * The four CNI plugins in one executable, compiled with Bun (scripts/build.mjs): dist/bin/bridge,
 * host-local, portmap and loopback are hard links to it, and it runs the plugin it was exec'd as.
 * The name comes from the executable's own path (/proc/self/exe keeps the name of the hard link a
 * runtime exec'd, also through a symbolic link such as /opt/cni/bin/bridge), else from argv[0].
 */
import { basename } from 'node:path';
import type { PluginIO } from '../cni/skel.js';
import { processIO } from '../cni/process-io.js';
import { programNames } from '../cni/sibling.js';
import { versionReplyFor } from '../cni/version.js';
import { PLUGINS } from './registry.js';

/**
 * VERSION is answered here, before the skeleton and its modules load: podman execs VERSION of every
 * plugin twice before each ADD and each DEL, 8 of the 12 plugin processes of a `podman run --rm`
 * (docs/internals/speed.md). Every other command goes to the skeleton.
 */
async function main(name: string, io: PluginIO): Promise<number> {
  if (io.env.CNI_COMMAND === 'VERSION') {
    // A stdin that cannot be read is the skeleton's to report (the same rejection, read once).
    const text = await io.readStdin().catch(() => undefined);
    if (text !== undefined) {
      io.writeStdout(versionReplyFor(text));
      return 0;
    }
  }
  const { runPlugin } = await import('../cni/skel.js');
  return runPlugin(PLUGINS[name], io);
}

/** The command lines compiled into this executable beside the plugins; each runs on import. */
const TOOLS: Readonly<Record<string, () => Promise<unknown>>> = { berth: () => import('../berth/main.js') };

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
  // stdin is read once: what the VERSION check read is what the skeleton gets.
  const real = processIO();
  let stdin: Promise<string> | undefined;
  const io: PluginIO = { ...real, readStdin: () => (stdin ??= real.readStdin()) };
  main(name, io).then((code) => process.exit(code));
}
