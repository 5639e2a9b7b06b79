/**
 * Fake CNI plugins for runtime-side tests: one small Node script, copied into a temp dir under each
 * type name. It appends every call (its CNI_* env, its env's keys, its stdin) as a JSON line to
 * `<dir>/calls.jsonl` and behaves as its config's `fake` key says:
 *   fake.fail: {code, msg, details?}  -> prints that error object, exit 1 (for fake.failOn commands, default all)
 *   fake.crash: "text"                -> prints "text" on stderr, exit 3, no stdout
 *   fake.garbage: true                -> prints "not json" on ADD, exit 0
 *   fake.ip: "192.0.2.5/24"           -> the address a first plugin returns on ADD
 * ADD without prevResult returns one interface (CNI_IFNAME in CNI_NETNS) and fake.ip; with prevResult
 * it returns prevResult plus an interface named after its type (so chaining is visible).
 */
import { chmodSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = String.raw`
const fs = require('fs'), path = require('path');
const type = path.basename(process.argv[1]);
const stdin = fs.readFileSync(0, 'utf8');
let conf; try { conf = JSON.parse(stdin); } catch { conf = {}; }
const cni = {}; for (const [k, v] of Object.entries(process.env)) if (k.startsWith('CNI_')) cni[k] = v;
fs.appendFileSync(path.join(__dirname, 'calls.jsonl'), JSON.stringify({ type, env: cni, envKeys: Object.keys(process.env).sort(), conf }) + '\n');
const fake = conf.fake || {};
const cmd = process.env.CNI_COMMAND;
if (fake.crash) { process.stderr.write('starting\n' + fake.crash + '\n'); process.exit(3); }
if (fake.fail && (!fake.failOn || fake.failOn.includes(cmd))) {
  process.stdout.write(JSON.stringify({ cniVersion: conf.cniVersion, ...fake.fail }));
  process.exit(1);
}
if (cmd === 'ADD') {
  if (fake.garbage) { process.stdout.write('not json'); process.exit(0); }
  let result;
  if (conf.prevResult) {
    result = conf.prevResult;
    result.interfaces = [...(result.interfaces || []), { name: type }];
  } else {
    result = { cniVersion: conf.cniVersion, interfaces: [{ name: process.env.CNI_IFNAME, sandbox: process.env.CNI_NETNS }],
      ips: [{ address: fake.ip || '192.0.2.5/24', interface: 0 }] };
  }
  result.cniVersion = conf.cniVersion;
  process.stdout.write(JSON.stringify(result));
}
if (cmd === 'VERSION') process.stdout.write(JSON.stringify({ cniVersion: conf.cniVersion || '1.1.0', supportedVersions: ['0.4.0', '1.0.0', '1.1.0'] }));
`;

/** Writes executable fakes named `types` into `dir` (which becomes a CNI_PATH entry). */
export function writeFakePlugins(dir: string, types: readonly string[]): void {
  for (const type of types) {
    const file = join(dir, type);
    writeFileSync(file, `#!${process.execPath}\n${SCRIPT}`);
    chmodSync(file, 0o755);
  }
}

export interface FakeCall {
  type: string;
  env: Record<string, string>;
  envKeys: string[];
  conf: Record<string, any>;
}

/** Every call the fakes in `dir` recorded, in order. */
export function readFakeCalls(dir: string): FakeCall[] {
  const file = join(dir, 'calls.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as FakeCall);
}

/** Forgets the recorded calls. */
export function clearFakeCalls(dir: string): void {
  writeFileSync(join(dir, 'calls.jsonl'), '');
}
