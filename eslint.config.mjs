// ESLint holds the layering (DESIGN.md: entry points -> features -> kernel/) and the purity of the
// modules that only decide (STYLE.md section 1). Prettier owns the format.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const FEATURES = [
  'cli',
  'cni',
  'ipam',
  'bridge',
  'portmap',
  'dnsname',
  'loopback',
  'firewall',
  'plugins',
  'network',
  'netctl',
  'volume',
  'image',
  'runtime',
  'berth',
];
const dirs = (names) => names.map((f) => `./${f}`);
const except = (...allowed) => dirs(FEATURES.filter((f) => !allowed.includes(f)));

/** Modules that decide without side effects: no fs, no processes, no sockets, no kernel calls. */
const PURE = [
  ...['config', 'plan'].map((f) => `bridge/${f}.ts`),
  ...['conflist', 'env', 'errors', 'types', 'version', 'ip', 'hash', 'runtime-failures'].map((f) => `cni/${f}.ts`),
  ...['range', 'allocator'].map((f) => `ipam/${f}.ts`),
  ...['render', 'layout'].map((f) => `firewall/${f}.ts`),
  ...['config', 'plan'].map((f) => `portmap/${f}.ts`),
  'dnsname/config.ts',
  ...['names', 'subnets', 'plan', 'conflist', 'ports', 'describe', 'errors', 'context'].map((f) => `network/${f}.ts`),
  ...[
    'names',
    'options',
    'mounts',
    'mount-log',
    'cli-format',
    'protocol',
    'record',
    'bind-policy',
    'quota-support',
    'keyed-mutex',
    'errors',
    'log',
    'journal',
  ].map((f) => `volume/${f}.ts`),
  ...['flags', 'layout', 'plan', 'files', 'stats'].map((f) => `runtime/cgroup/${f}.ts`),
  ...['tar', 'layer-path', 'reference', 'manifest', 'config', 'format'].map((f) => `image/${f}.ts`),
  ...['args', 'errors', 'wrap'].map((f) => `cli/${f}.ts`),
  ...['flags', 'globals', 'run-flags', 'network-view'].map((f) => `berth/${f}.ts`),
  ...['caps', 'ids', 'spec', 'user', 'format', 'ps-filter', 'frames', 'shim-args', 'signals', 'paths', 'record', 'userns', 'etc-files'].map(
    (f) => `runtime/${f}.ts`,
  ),
  ...['plan', 'settings', 'dirs'].map((f) => `runtime/network/${f}.ts`),
  ...['rtnl-codec', 'rtnl-decode', 'rtnl-requests'].map((f) => `kernel/${f}.ts`),
];
const IO_MODULES = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'dgram'].flatMap((m) => [m, `node:${m}`]);
const NETCTL_PATHS = [
  { name: 'ajv', message: 'schemas are compiled at build time (gen/)' },
  { name: 'ip-address', message: 'netctl and network/ use cni/ip.ts' },
];
const pureRule = (extraPatterns = [], extraPaths = []) => [
  'error',
  {
    paths: [...IO_MODULES.map((name) => ({ name, message: 'a pure module does no I/O', allowTypeImports: true })), ...extraPaths],
    patterns: [
      // kernel/errors.js only declares error types; the rest of kernel/ calls the kernel.
      {
        group: [
          '**/kernel/*',
          '!**/kernel/errors.js',
          './netlink.js',
          './link-delete.js',
          './nft.js',
          './exec.js',
          './flock.js',
          './libc.js',
          './netlink-socket.js',
          './netns.js',
          './sysctl.js',
        ],
        allowTypeImports: true,
        message: 'a pure module does not call the kernel',
      },
      ...extraPatterns,
    ],
  },
];

/** The config block of `dir`'s pure modules: pureRule, and none of `ioModules` (`dir`'s own modules that do I/O). */
const pureModulesOf = (dir, ioModules) => ({
  files: PURE.filter((f) => f.startsWith(`${dir}/`)),
  rules: {
    'no-restricted-imports': pureRule([
      { group: ioModules.map((m) => `./${m}.js`), allowTypeImports: true, message: `a pure ${dir}/ module does no I/O` },
    ]),
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'gen/**', '**/*.cjs'] },
  {
    files: ['**/*.ts', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: './lib',
              from: ['./kernel', ...dirs(FEATURES)],
              message: 'lib/ holds small pure helpers that import nothing of Berth',
            },
            { target: './kernel', from: dirs(FEATURES), message: 'kernel/ imports nothing of the features' },
            { target: './cni', from: except('cni'), message: 'cni/ is the protocol library: it imports no plugin or tool' },
            { target: './ipam', from: except('cni', 'ipam') },
            { target: './firewall', from: except('cni', 'firewall') },
            { target: './bridge', from: except('cni', 'ipam', 'firewall', 'bridge') },
            { target: './portmap', from: except('cni', 'firewall', 'portmap') },
            { target: './loopback', from: except('cni', 'loopback') },
            { target: './volume', from: except('volume', 'cli') },
            { target: './cli', from: except('cli'), message: 'cli/ holds what every command line shares: it imports no feature' },
            { target: './network', from: except('cni', 'ipam', 'firewall', 'plugins', 'cli', 'network') },
            { target: './runtime', from: ['./berth'], message: 'runtime/ is the feature; berth/ is its command line' },
            {
              target: except('netctl'),
              from: ['./netctl'],
              message: 'netctl/ is a command line: what the runtime and berth share with it lives in network/',
            },
            {
              target: dirs(FEATURES),
              from: ['./test', './bench', './scripts'],
              message: 'product code never imports tests, benchmarks or scripts',
            },
          ],
        },
      ],
    },
  },
  // netctl starts in every command: no schema compiled at run time, no ip-address.
  { files: ['netctl/**/*.ts', 'network/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: NETCTL_PATHS }] } },
  { files: PURE.filter((f) => !/^(cni|network|image)\//.test(f)), rules: { 'no-restricted-imports': pureRule() } },
  // image/'s pure modules also stay clear of the store's disk parts.
  pureModulesOf('image', ['store', 'unpack', 'archive', 'load', 'commit', 'remove']),
  { files: PURE.filter((f) => f.startsWith('network/')), rules: { 'no-restricted-imports': pureRule([], NETCTL_PATHS) } },
  // cni/'s pure modules also stay clear of its exec, cache and stdio parts.
  pureModulesOf('cni', ['invoke', 'cache', 'runtime', 'conflist-file', 'skel', 'log']),
);
