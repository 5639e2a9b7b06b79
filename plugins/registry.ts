/** Berth's CNI plugins by executable name, each loaded only when it runs: for the multicall entry and netctl. */
import type { Handlers } from '../cni/skel.js';

export const PLUGINS: Readonly<Record<string, () => Promise<Handlers>>> = {
  bridge: () => import('../bridge/bridge.js').then((m) => m.handlers),
  dnsname: () => import('../dnsname/dnsname.js').then((m) => m.handlers),
  'host-local': () => import('../ipam/host-local.js').then((m) => m.handlers),
  loopback: () => import('../loopback/loopback.js').then((m) => m.handlers),
  portmap: () => import('../portmap/portmap.js').then((m) => m.handlers),
};
