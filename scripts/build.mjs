#!/usr/bin/env node
// Builds every executable: a bundled CommonJS file in dist/lib and its launcher in dist/bin, or for
// the CNI plugins, where Bun is installed, one executable compiled with Bun.
// Schemas (*.schema.json anywhere in the tree) are compiled first into gen/ as ajv standalone code,
// so no plugin call pays for schema compilation. The native module (koffi) stays external and
// is resolved from node_modules next to dist/ (make install copies it).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, link as linkFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, basename, relative, resolve } from 'node:path';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { bunBinary, bunBundleFlags, bunEntries, executables } from './executables.mjs';
import { compileFront, compileShim } from './build-native.mjs';
import { fastCheckSource } from './fast-check.mjs';

const root = new URL('..', import.meta.url).pathname;
// BERTH_DIST builds the executables elsewhere (scripts/test.mjs tests a Node build of the plugins
// there); node_modules must then be next to it, as in an installed copy.
const dist = process.env.BERTH_DIST ? resolve(process.env.BERTH_DIST) : join(root, 'dist');
const SKIP = new Set(['node_modules', 'dist', 'gen', '.git', 'test']);

async function findSchemas(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await findSchemas(path)));
    else if (entry.name.endsWith('.schema.json')) out.push(path);
  }
  return out;
}

/**
 * ajv's standalone code declares `const schemaN = {...}` for schemas its checks may not name; each
 * one named nowhere else is dropped, since the bundler keeps a CommonJS module's dead code and a
 * plugin would build the literal at every start.
 */
function withoutUnusedSchemas(code) {
  for (const m of [...code.matchAll(/const (schema\d+) = /g)].reverse()) {
    if (code.match(new RegExp(`\\b${m[1]}\\b`, 'g')).length !== 1) continue;
    const start = m.index + m[0].length;
    const end = endOfJson(code, start);
    if (code[end] === ';') code = code.slice(0, m.index) + code.slice(end + 1);
  }
  return code;
}

/** The index just past the JSON value (object or array) that starts at `at` in `text`. */
function endOfJson(text, at) {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  return text.length;
}

/**
 * Compiles each schema to gen/<name>.js (CommonJS validate function) and to gen/<name>.fast.js (its
 * fast checker, scripts/fast-check.mjs), each with a .d.ts beside it.
 */
async function compileSchemas() {
  await mkdir(join(root, 'gen'), { recursive: true });
  for (const file of await findSchemas(root)) {
    const name = basename(file, '.schema.json');
    const schema = JSON.parse(await readFile(file, 'utf8'));
    const ajv = new Ajv({ allErrors: true, useDefaults: true, code: { source: true }, strict: true });
    const validate = ajv.compile(schema);
    // The schema goes along: validateConfig (cni/schema.ts) matches keys by its property names.
    // JSON.parse builds it natively, where a literal runs as cold bytecode at the module's load.
    await writeFile(
      join(root, 'gen', `${name}.js`),
      `${withoutUnusedSchemas(standaloneCode(ajv, validate))}\nmodule.exports.schema = JSON.parse(${JSON.stringify(JSON.stringify(schema))});\n`,
    );
    await writeFile(
      join(root, 'gen', `${name}.d.ts`),
      `// generated from ${relative(root, file)} by scripts/build.mjs\n` +
        `import type { ValidateFunction } from 'ajv';\ndeclare const validate: ValidateFunction;\nexport = validate;\n`,
    );
    const defaults = new Ajv({ strict: false });
    const validDefault = (sub, value) => defaults.validate({ ...sub, definitions: schema.definitions }, value);
    await writeFile(join(root, 'gen', `${name}.fast.js`), fastCheckSource(schema, validDefault));
    await writeFile(
      join(root, 'gen', `${name}.fast.d.ts`),
      `// generated from ${relative(root, file)} by scripts/build.mjs\n` +
        `import type { KeySchema } from '../cni/keys.js';\ndeclare const check: ((raw: unknown) => unknown) & { keys: KeySchema };\nexport = check;\n`,
    );
  }
}

/**
 * The CNI plugins and berth, when Bun is here, are one compiled executable (compilePlugins). Every other
 * executable is two files: the bundle dist/lib/<name>.<hash>.js (content-addressed, so a code
 * cache made from one bundle can never be applied to another) and the launcher dist/bin/<name>
 * (scripts/launcher.cjs), which runs the bundle on Node through V8's code cache in dist/cache.
 * Every file is written aside and renamed into place: a plugin being exec'd meanwhile (a test, a
 * runtime) sees the old or the new file, never half of one. Bundles and caches of earlier builds
 * are removed at the end.
 */
async function bundle() {
  for (const dir of ['bin', 'lib']) await mkdir(join(dist, dir), { recursive: true });
  const launcher = withInterpreter(await readFile(join(root, 'scripts/launcher.cjs'), 'utf8'));
  const shortLived = withStartFlag(launcher);
  const bun = findBun();
  const libs = new Set();
  if (bun) for (const lib of await compilePlugins(bun)) libs.add(lib);
  await Promise.all(
    executables.map(async ({ name, entry, daemon, plugin, bun: onBun }) => {
      if ((plugin || onBun) && bun) return;
      const result = await build({
        entryPoints: [join(root, entry)],
        outfile: join(dist, 'lib', `${name}.js`),
        write: false,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        minifySyntax: true,
        external: ['koffi', 'bun:ffi'], // bun:ffi: only loaded on Bun (kernel/libc-bun.ts)
        // ESM dependencies read import.meta.url, which is empty in a CommonJS bundle.
        // Computed on first read only: pathToFileURL costs milliseconds that a plugin call never needs.
        define: { 'import.meta.url': '__berthImportMeta.url' },
        banner: { js: "var __berthImportMeta = { get url() { return require('url').pathToFileURL(__filename).href; } };" },
        logLevel: 'warning',
      });
      const code = result.outputFiles[0].contents;
      const hash = contentHash(code);
      const lib = `${name}.${hash}.js`;
      libs.add(lib);
      await writeAtomically(join(dist, 'lib', lib), code, 0o644);
      const text = daemon ? launcher : shortLived;
      await writeAtomically(
        join(dist, 'bin', name),
        text.replace("'@NAME@'", JSON.stringify(name)).replace("'@HASH@'", JSON.stringify(hash)),
        0o755,
      );
    }),
  );
  libs.add('berth-shim');
  for (const file of await readdir(join(dist, 'lib'))) if (!libs.has(file)) await rm(join(dist, 'lib', file), { force: true });
  const names = new Set(executables.map((e) => e.name)); // and leftovers of an interrupted build
  for (const file of await readdir(join(dist, 'bin'))) if (!names.has(file)) await rm(join(dist, 'bin', file), { force: true });
  await rm(join(dist, 'cache'), { recursive: true, force: true });
}

const contentHash = (code) => createHash('sha256').update(code).digest('hex').slice(0, 16);

/**
 * The CNI plugins run on Bun when the optional dependency @oven/bun-linux-x64 is installed and its
 * binary runs on this machine (it needs a CPU with AVX2); otherwise on Node like everything else.
 * Why: every CNI call is a new process, and a plugin compiled with Bun, its bytecode made at build
 * time, starts on a fraction of Node's CPU (docs/internals/build.md). BERTH_RUNTIME=node builds every executable for Node.
 */
function findBun() {
  return process.env.BERTH_RUNTIME === 'node' ? undefined : bunBinary(root);
}

/**
 * One executable for every CNI plugin and for berth (plugins/multicall.ts, compiled by Bun with its
 * bytecode and koffi kept outside, ~110 MB, most of it Bun itself), at dist/lib/cni.<content hash>.
 * berth/main.ts is a second entry point, loaded only when berth runs, so a plugin's start does not
 * pay for berth's bundle; code splitting (compileWithBun) loads only what the command runs.
 * Each plugin name and berth in dist/bin is a hard link to the C front (compileFront), which execs
 * it for what it does not answer (for berth: all but a plain `berth exec`, plugins/front/berth.c). One file, not one per program: Bun inside each would
 * double the install. A compiled executable would read `.env` and `bunfig.toml` from the caller's working
 * directory; both are off, so only the environment the runtime passes counts.
 * @returns the files' names in dist/lib
 */
async function compilePlugins(bun) {
  const lib = await compileWithBun(bun, bunEntries);
  const front = await compileFront(lib, { root, dist, contentHash });
  await linkInto(
    front,
    executables.filter((e) => e.plugin || e.bun).map((e) => e.name),
  );
  return [lib, front];
}

/** Links each name in dist/bin to `lib` in dist/lib; a runtime exec'ing one meanwhile sees the old or the new file. */
async function linkInto(lib, names) {
  for (const name of names) {
    const link = join(dist, 'bin', `${name}.${process.pid}.tmp`);
    await rm(link, { force: true });
    await linkFile(join(dist, 'lib', lib), link);
    await rename(link, join(dist, 'bin', name));
  }
}

/**
 * Compiles `entries` into one executable in dist/lib (`cni.<content hash>`): the first runs; the
 * others are loaded by their embedded path (plugins/multicall.ts). ES modules split into chunks: each
 * `import()` loads only its own chunks (`berth run` none of yargs or the CNI code), and a module that
 * two entries or commands share is one chunk, one instance; without splitting each entry would carry
 * its own copy, with its own module state (docs/internals/build.md).
 */
async function compileWithBun(bun, entries) {
  const temp = join(dist, 'lib', `.cni.${process.pid}.tmp`);
  try {
    const r = spawnSync(
      bun,
      [
        'build',
        ...entries.map((e) => join(root, e)),
        '--compile',
        '--bytecode',
        ...bunBundleFlags,
        '--no-compile-autoload-dotenv',
        '--no-compile-autoload-bunfig',
        '--outfile',
        temp,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`bun build --compile ${entries.join(' ')} failed:\n${r.stdout}${r.stderr}`);
    const lib = `cni.${contentHash(readFileSync(temp))}`;
    await chmod(temp, 0o755);
    await rename(temp, join(dist, 'lib', lib));
    return lib;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * The launchers name the Node that built them (`#!/usr/bin/node`), not `#!/usr/bin/env node`:
 * exec'ing `env` first, which then searches PATH, is one more process per plugin call, and an
 * orchestrator's PATH may not even hold node. The
 * code cache is tied to that Node's V8 version anyway. A path the kernel cannot take in a `#!`
 * line (whitespace, over 200 bytes) keeps `env`.
 */
function withInterpreter(launcher) {
  const node = process.execPath;
  if (/\s/.test(node) || node.length > 200) return launcher;
  return launcher.replace(/^#!.*\n/, `#!${node}\n`);
}

/**
 * Every start of Node derives V8's string-hash secrets from a fresh random seed, testing random
 * numbers for primality, a sixth of a bare start's CPU. `--no-rehash-snapshot` keeps the seed baked
 * into Node's start-up snapshot instead (docs/internals/speed.md). The price: every process of this Node
 * hashes strings with one known seed, so crafted keys could slow its hash tables (hash flooding).
 * That does not matter to a process that lives tens of milliseconds on input root gave it (CNI
 * plugins, netctl, berth); berth-volumed, a long-lived daemon answering requests (`daemon` in
 * executables.mjs), keeps the default. A Node that does not know the flag (it would refuse to start) gets none.
 */
function withStartFlag(launcher) {
  const flag = '--no-rehash-snapshot';
  const first = launcher.slice(0, launcher.indexOf('\n'));
  if (first.includes('/env ')) return launcher; // `env node FLAG` would look for "node FLAG"
  if (spawnSync(process.execPath, [flag, '-e', '0'], { stdio: 'ignore' }).status !== 0) return launcher;
  return `${first} ${flag}${launcher.slice(first.length)}`;
}

async function writeAtomically(file, contents, mode) {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, contents, { mode });
  await chmod(temp, mode);
  await rename(temp, file);
}

const only = process.argv[2];
if (only !== 'bundle') await compileSchemas();
if (only !== 'schemas') await bundle();
if (only !== 'schemas') await compileShim({ root, dist });
