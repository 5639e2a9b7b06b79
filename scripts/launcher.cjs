#!/usr/bin/env node
'use strict';
// Berth launcher, written into dist/bin/<name> by scripts/build.mjs (the two constants below are
// filled in there). It runs the bundle dist/lib/<name>.<hash>.js through V8's code cache.
//
// Why: every CNI call is a new Node process, and compiling the bundle, then each function on its
// first call, is a large part of a plugin's CPU. A code cache made after a real run holds
// the bytecode of every function that run used. The first call of each kind (CNI_COMMAND, or the
// first argument of netctl/berth) writes it to dist/cache; every later call of that kind loads it.
//
// Safety: V8 itself rejects a cache of another V8 version, other flags or a truncated file (then
// this compiles normally and rewrites it). V8 does NOT check that the source is the same, only its
// length, so the bundle's and the cache's file names carry the bundle's content hash. A cache file is only read when it
// belongs to this user and nobody else can write it (it is code). Any failure here falls back to a
// plain compile; the cache never changes what the program does. BERTH_CODE_CACHE=off disables it,
// BERTH_CODE_CACHE=report prints what happened to it on stderr (for tests and for people).
const NAME = '@NAME@';
const HASH = '@HASH@';

const fs = require('fs');
const path = require('path');
const Module = require('module');
const vm = require('vm');

const lib = path.join(__dirname, '..', 'lib', `${NAME}.${HASH}.js`);
const setting = process.env.BERTH_CODE_CACHE;
const kind = process.env.CNI_COMMAND || process.argv[2] || '';
// VERSION runs next to no code: reading and applying a cache costs it more than it saves.
const enabled = setting !== 'off' && kind !== 'VERSION';
let state = enabled ? 'none' : 'off';
const source = fs.readFileSync(lib, 'utf8');
const cacheFile = path.join(
  __dirname,
  '..',
  'cache',
  `${NAME}-${HASH}-${process.versions.v8}-${/^[A-Za-z][\w-]{0,31}$/.test(kind) ? kind : 'other'}.v8`,
);

function readCache() {
  let fd;
  try {
    fd = fs.openSync(cacheFile, 'r');
    const st = fs.fstatSync(fd);
    if (st.uid !== process.geteuid() || (st.mode & 0o022) !== 0) {
      state = 'ignored (not owned by this user, or writable by others)';
      return undefined;
    }
    const buf = Buffer.allocUnsafe(st.size);
    return fs.readSync(fd, buf, 0, st.size, 0) === st.size ? buf : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Written aside, flushed, then renamed into place: a reader sees a whole cache or none. */
function writeCache(data) {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o755 });
    const fd = fs.openSync(temp, 'wx', 0o644);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, cacheFile);
  } catch {
    try {
      fs.unlinkSync(temp);
    } catch {
      /* not made */
    }
  }
}

const cached = enabled ? readCache() : undefined;
const script = new vm.Script(Module.wrap(source), { filename: lib, cachedData: cached });
if (cached) state = script.cachedDataRejected ? 'rejected' : 'used';
if (setting === 'report') process.stderr.write(`code cache: ${state} ${cacheFile}\n`);
if (enabled && (!cached || script.cachedDataRejected))
  // At exit, so the cache holds every function this run compiled, and after the output is written;
  // only after a success: a failed call runs a short path, and its cache would serve later calls.
  process.once('exit', (code) => {
    if (code === 0)
      try {
        writeCache(script.createCachedData());
      } catch {
        /* no cache */
      }
  });

const mod = new Module(lib, module);
mod.filename = lib;
mod.paths = Module._nodeModulePaths(path.dirname(lib));
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(lib), mod, lib, path.dirname(lib));
