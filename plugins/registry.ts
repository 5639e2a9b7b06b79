/** Berth's CNI plugins by executable name, each loaded only when it runs: for netctl and berth's networks. */
import type { Handlers } from '../cni/skel.js';
import type { PluginName } from './entries.js';

type Load = () => Promise<Handlers>;

/** Keyed by string for lookups by file name; `satisfies` holds it to the entry points' names. */
export const PLUGINS: Readonly<Record<string, Load>> = {
  bridge: () => import('../bridge/bridge.js').then((m) => m.handlers),
  dnsname: () => import('../dnsname/dnsname.js').then((m) => m.handlers),
  'host-local': () => import('../ipam/host-local.js').then((m) => m.handlers),
  loopback: () => import('../loopback/loopback.js').then((m) => m.handlers),
  portmap: () => import('../portmap/portmap.js').then((m) => m.handlers),
} satisfies Record<PluginName, Load>;
