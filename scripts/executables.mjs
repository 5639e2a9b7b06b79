// The executables `make build` produces in dist/bin, each bundled from one entry point.
// A new executable is one line here.
export const executables = [
  { name: 'loopback', entry: 'loopback/main.ts' },
  { name: 'berth-volumed', entry: 'volume/main.ts', daemon: true }, // long-lived: see withStartFlag in build.mjs
  { name: 'berth', entry: 'runtime-shim/main.ts' },
  { name: 'bridge', entry: 'bridge/main.ts' },
  { name: 'host-local', entry: 'ipam/main.ts' },
  { name: 'netctl', entry: 'netctl/main.ts' },
  { name: 'portmap', entry: 'portmap/main.ts' },
];
