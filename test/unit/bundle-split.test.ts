import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { withTempDir } from '../helpers/sandbox';
// @ts-expect-error: a plain .mjs script without type declarations
import { bunBinary, bunBundleFlags, bunEntries } from '../../scripts/executables.mjs';

/**
 * The compiled executable's bundle (scripts/build.mjs), built with the same flags but to plain files,
 * where each module's code starts with a `// path/to/module.ts` line.
 */
const ROOT = join(__dirname, '../..');
const bun: string | undefined = bunBinary(ROOT);
const bunTest = bun ? test : test.skip;

interface Chunk {
  modules: string[];
  imports: string[]; // chunk files this one imports statically
}

function bundle(dir: string): Map<string, Chunk> {
  const r = spawnSync(
    bun!,
    ['build', ...(bunEntries as string[]).map((e) => join(ROOT, e)), ...bunBundleFlags, '--target', 'bun', '--outdir', dir],
    {
      encoding: 'utf8',
    },
  );
  assert.is(r.status, 0, r.stderr);
  const chunks = new Map<string, Chunk>();
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    chunks.set(file, {
      modules: [...new Set([...text.matchAll(/^\/\/ (\S+\.[cm]?[jt]s)$/gm)].map((m) => m[1]))], // a wrapped module has two
      imports: [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gms)].map((m) =>
        normalize(join(dirname(file), m[1] ?? m[2])),
      ),
    });
  }
  return chunks;
}

/** The modules a chunk loads with it: its own and those of the chunks it imports statically. */
function loadedWith(chunks: Map<string, Chunk>, start: string): Set<string> {
  const seen = new Set<string>();
  const modules = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const chunk = chunks.get(file);
    assert.ok(chunk, `${file} is in the bundle`);
    for (const m of chunk.modules) modules.add(m);
    for (const i of chunk.imports) visit(i);
  };
  visit(start);
  return modules;
}

bunTest('the compiled program holds each module once, and `berth run` loads no yargs or CNI plugin code', async () => {
  await withTempDir(async (dir) => {
    const chunks = bundle(dir);
    const where = new Map<string, string[]>();
    for (const [file, chunk] of chunks) for (const m of chunk.modules) where.set(m, [...(where.get(m) ?? []), file]);
    const twice = [...where].filter(([, files]) => files.length > 1).map(([m, files]) => `${m}: ${files.join(', ')}`);
    assert.equal(twice, [], 'a module in two chunks would be two instances, each with its own state');
    assert.ok(where.has('berth/main.ts') && where.has('plugins/multicall.ts'), 'both entry points are in the bundle');

    const runChunk = [...chunks].find(([, c]) => c.modules.includes('berth/run.ts'));
    assert.ok(runChunk, 'berth/run.ts has a chunk of its own');
    const run = loadedWith(chunks, runChunk[0]);
    assert.ok(run.has('runtime/start.ts'), 'the chunks of run hold what it runs');
    const unused = [...run].filter((m) => /^(node_modules|gen|bridge|ipam|portmap|dnsname|firewall|loopback)\/|^cni\/skel/.test(m));
    assert.equal(unused, [], '`berth run` would load these at start');

    const main = loadedWith(chunks, 'berth/main.js');
    assert.not.ok(main.has('berth/run.ts'), "berth's entry loads no command before it runs");
  });
});

test.run();
