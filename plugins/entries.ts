/**
 * Each CNI plugin's entry point by executable name, as scripts/executables.mjs lists them. In the
 * compiled executable each is an entry point of its own (scripts/build.mjs), so a plugin's start
 * loads only its own code; the multicall entry (plugins/multicall.ts) imports it by embedded path.
 */
export const PLUGIN_ENTRIES = {
  bridge: 'bridge/main.js',
  dnsname: 'dnsname/main.js',
  'host-local': 'ipam/main.js',
  loopback: 'loopback/main.js',
  portmap: 'portmap/main.js',
} as const;

export type PluginName = keyof typeof PLUGIN_ENTRIES;
