/**
 * Berth's CNI plugins by executable name, each loaded only when it runs: the compiled executable's
 * multicall entry (plugins/multicall.ts) runs one per process, netctl and berth's networks run them
 * in process (network/runner.ts). scripts/executables.mjs lists the same names for the build.
 */
import type { Handlers } from '../cni/skel.js';

type Load = () => Promise<Handlers>;

/** The loader, memoised: a call runs import() once; Bun's import() of a loaded module still costs a lookup. */
const once = (load: Load): Load => {
  let loaded: Promise<Handlers> | undefined;
  return () => (loaded ??= load());
};

/** Keyed by string for lookups by file name. */
export const PLUGINS: Readonly<Record<string, Load>> = {
  bridge: once(() => import('../bridge/bridge.js').then((m) => m.handlers)),
  dnsname: once(() => import('../dnsname/dnsname.js').then((m) => m.handlers)),
  'host-local': once(() => import('../ipam/host-local.js').then((m) => m.handlers)),
  loopback: once(() => import('../loopback/loopback.js').then((m) => m.handlers)),
  portmap: once(() => import('../portmap/portmap.js').then((m) => m.handlers)),
};
