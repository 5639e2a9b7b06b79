#!/usr/bin/env node
// Runs the unit and integration suites with uvu (TypeScript through tsx) and ends with the plain
// summary line "N passed, N failed[, N skipped]" that CI reads. Exit code 1 on any failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bunBinary } from './executables.mjs';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['test/unit', 'test/integration'];
let passed = 0,
  failed = 0,
  skipped = 0,
  broken = false;
// Names this run's namespaces (test/helpers/sandbox.ts), so a run beside another counts only its own leftovers.
const runId = randomBytes(1).toString('hex');

// Each suite on Node (TypeScript through tsx). The kernel tests run on Bun too, where Bun is
// installed: the compiled CNI plugins reach libc through bun:ffi there (kernel/libc-bun.ts), not koffi.
const runs = suites.map((dir) => ({ dir, argv: [process.execPath, 'node_modules/uvu/bin.js', '-r', 'tsx', dir, '.test.ts$'] }));
const bun = suites.includes('test/integration') ? bunBinary('.') : undefined;
if (bun)
  runs.push({ dir: 'test/integration/kernel (on Bun)', argv: [bun, 'node_modules/uvu/bin.js', 'test/integration/kernel', '.test.ts$'] });

// Where Bun cannot run (npm's build needs AVX2) or with BERTH_RUNTIME=node, the plugins are built
// for Node instead. That build is made here too, in a temp dir beside a link to node_modules as in
// an installed copy, and the exec-protocol suite and the chain run against it.
let nodeBuild;
if (bun && existsSync('dist/lib') && readdirSync('dist/lib').some((f) => /^cni\./.test(f))) {
  nodeBuild = mkdtempSync(join(tmpdir(), 'berth-node-build-'));
  symlinkSync(resolve('node_modules'), join(nodeBuild, 'node_modules'));
  const env = { ...process.env, BERTH_RUNTIME: 'node', BERTH_DIST: join(nodeBuild, 'dist') };
  const built = spawnSync(process.execPath, ['scripts/build.mjs', 'bundle'], { env, stdio: 'inherit' });
  const launcher = join(nodeBuild, 'dist/bin/bridge');
  if (built.status !== 0 || !existsSync(launcher) || !readFileSync(launcher, 'utf8').startsWith('#!')) {
    broken = true;
    failed += 1;
    console.log('the Node build of the plugins failed');
  } else
    runs.push({
      dir: 'CNI plugins built for Node (BERTH_RUNTIME=node)',
      argv: [
        process.execPath,
        'node_modules/uvu/bin.js',
        '-r',
        'tsx',
        'test/integration',
        '(protocol/protocol|portmap/chain|loopback/loopback)\\.test\\.ts$',
      ],
      env: { BERTH_TEST_BIN_DIR: join(nodeBuild, 'dist/bin') },
    });
}

// The machine's own network must come out as it went in: a berth run that forgot --network none
// (or a throwaway host netns) would make berth0, Berth's nftables tables and a conflist. Only
// Berth's names count: packages the tests install meanwhile (podman's conflist) are not ours.
const hostNetwork = () => {
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.replace(/^\d+: (\S+?)[:@].*$/gm, '$1');
  const tables = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' }).stdout ?? '';
  const dir = '/etc/cni/net.d';
  const ours = (f) => {
    try {
      return readFileSync(join(dir, f), 'utf8').includes('berth');
    } catch {
      return false;
    }
  };
  return {
    links: links
      .split('\n')
      .filter((l) => /^berth/.test(l))
      .sort()
      .join(' '),
    tables: tables
      .split('\n')
      .filter((t) => /berth/.test(t))
      .sort()
      .join(' '),
    conflists: existsSync(dir) ? readdirSync(dir).filter(ours).sort().join(' ') : '',
  };
};
const hostBefore = hostNetwork();

for (const { dir, argv, env } of runs) {
  console.log(`\n# ${dir}`);
  const out = await new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env, BERTH_TEST_RUN: runId, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    let text = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      text += chunk;
    });
    child.on('close', (code) => resolve({ text, code }));
  });
  const plain = out.text.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (label) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? NaN);
  const [total, ok, skip] = [count('Total'), count('Passed'), count('Skipped')];
  if (Number.isNaN(total)) {
    broken = true;
    failed += 1;
    console.log(`${dir}: the runner ended without a summary (exit ${out.code})`);
    continue;
  }
  passed += ok;
  failed += total - ok;
  skipped += skip || 0;
  if (out.code !== 0 && total === ok) {
    broken = true;
    failed += 1;
  }
}
if (nodeBuild) rmSync(nodeBuild, { recursive: true, force: true });
// Tests must leave nothing behind: throwaway namespaces carry the "bt<runId><hex>" prefix (test/helpers/sandbox.ts).
const leftovers = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => new RegExp(`^bt${runId}[0-9a-f]{2}`).test(n)) : [];
if (leftovers.length) {
  failed += 1;
  console.log(`left behind by a test: network namespaces ${leftovers.join(', ')}`);
}
const hostAfter = hostNetwork();
for (const [what, before] of Object.entries(hostBefore))
  if (hostAfter[what] !== before) {
    failed += 1;
    console.log(`a test changed the machine's own network (${what}): ${JSON.stringify(before)} -> ${JSON.stringify(hostAfter[what])}`);
  }
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || broken ? 1 : 0;
