/**
 * A Docker-format seccomp profile (`--security-opt seccomp=PROFILE.json`) checked at create and,
 * at each start and exec, resolved for the container's capabilities into the rules berth-shim
 * builds with libseccomp (runtime/shim/seccomp.c reads them). Pure.
 */

interface ProfileArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

interface ProfileFilter {
  caps?: string[] | null;
  arches?: string[] | null;
  minKernel?: string;
}

interface ProfileSyscall {
  name?: string;
  names?: string[] | null;
  action: string;
  errnoRet?: number | null;
  args?: ProfileArg[] | null;
  includes?: ProfileFilter | null;
  excludes?: ProfileFilter | null;
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number | null;
  architectures?: string[] | null;
  archMap?: Array<{ architecture: string; subArchitectures?: string[] | null }> | null;
  syscalls?: ProfileSyscall[] | null;
}

/** libseccomp's actions (seccomp.h SCMP_ACT_*); ERRNO and TRACE carry their number in the low 16 bits. */
const ACTIONS: Record<string, number> = {
  SCMP_ACT_KILL: 0x00000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
};
/** libseccomp's comparisons (enum scmp_compare). */
const OPS: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};
/** Node's process.arch -> Go's GOARCH (Docker's `includes.arches`) and libseccomp's native ABI. */
const NATIVE: Record<string, { goArch: string; scmp: string }> = {
  x64: { goArch: 'amd64', scmp: 'SCMP_ARCH_X86_64' },
  arm64: { goArch: 'arm64', scmp: 'SCMP_ARCH_AARCH64' },
};

const fail = (why: string): never => {
  throw new Error(`Decoding seccomp profile failed: ${why}`);
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const strings = (v: unknown, what: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return fail(`${what} must be a list of strings`);
  return v;
};

function checkAction(action: unknown, where: string): void {
  if (typeof action !== 'string' || !(action in ACTIONS))
    fail(`${where}: action ${JSON.stringify(action)} is not one of ${Object.keys(ACTIONS).join(', ')}`);
}

function checkSyscall(call: unknown, i: number): void {
  const where = `syscalls[${i}]`;
  if (!isObject(call)) return fail(`${where} must be an object`);
  checkAction(call.action, where);
  const names = [...strings(call.names, `${where}.names`), ...(typeof call.name === 'string' ? [call.name] : [])];
  if (names.length === 0) fail(`${where} names no syscall`);
  if (call.errnoRet !== undefined && call.errnoRet !== null && !isUint(call.errnoRet)) fail(`${where}.errnoRet must be a number`);
  if (call.args !== undefined && call.args !== null && !Array.isArray(call.args)) fail(`${where}.args must be a list`);
  for (const arg of (call.args as unknown[] | null | undefined) ?? []) {
    if (!isObject(arg) || !isUint(arg.index) || arg.index > 5) fail(`${where}.args: index must be 0 to 5`);
    const a = arg as Record<string, unknown>;
    if (!isUint(a.value) || (a.valueTwo !== undefined && !isUint(a.valueTwo))) fail(`${where}.args: value and valueTwo must be numbers`);
    if (typeof a.op !== 'string' || !(a.op in OPS))
      fail(`${where}.args: op ${JSON.stringify(a.op)} is not one of ${Object.keys(OPS).join(', ')}`);
  }
  for (const key of ['includes', 'excludes'] as const) {
    const f = call[key];
    if (f === undefined || f === null) continue;
    if (!isObject(f)) return fail(`${where}.${key} must be an object`);
    strings(f.caps, `${where}.${key}.caps`);
    strings(f.arches, `${where}.${key}.arches`);
    if (f.minKernel !== undefined && (typeof f.minKernel !== 'string' || !/^\d+\.\d+/.test(f.minKernel)))
      fail(`${where}.${key}.minKernel must be a version such as "4.8"`);
  }
}

/** The profile in `json`, checked as Docker's daemon checks it. @throws {Error} "Decoding seccomp profile failed: ..." */
export function parseSeccompProfile(json: string): SeccompProfile {
  let p: unknown;
  try {
    p = JSON.parse(json);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (!isObject(p)) return fail('the profile must be a JSON object');
  checkAction(p.defaultAction, 'defaultAction');
  if (p.architectures && p.archMap)
    fail("'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
  strings(p.architectures, 'architectures');
  if (p.archMap !== undefined && p.archMap !== null && !Array.isArray(p.archMap)) fail('archMap must be a list');
  if (p.syscalls !== undefined && p.syscalls !== null && !Array.isArray(p.syscalls)) fail('syscalls must be a list');
  ((p.syscalls as unknown[] | null | undefined) ?? []).forEach(checkSyscall);
  return p as unknown as SeccompProfile;
}

const actionOf = (action: string, errnoRet: number | null | undefined, fallbackErrno: number) =>
  action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE' ? ACTIONS[action] | ((errnoRet ?? fallbackErrno) & 0xffff) : ACTIONS[action];

/** "0x..." of an unsigned 32-bit action. */
const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** `arch`es of the filter: `architectures`, or the native ABI's entry in `archMap` with its sub-ABIs. */
function arches(p: SeccompProfile, native: string): string[] {
  const names = p.architectures ?? p.archMap?.find((m) => m.architecture === native)?.subArchitectures ?? [];
  return names.map((a) => a.replace(/^SCMP_ARCH_/, '').toLowerCase());
}

/**
 * The profile's rules for a container with `caps` (names without CAP_), as berth-shim reads them,
 * one a line: `default ACTION`, `arch NAME`, then `ACTION SYSCALL [min-kernel X.Y] [ARG OP VALUE
 * VALUE2]...`. A syscall that checks one argument twice gets a rule per check, as runc does.
 */
export function renderSeccompRules(p: SeccompProfile, caps: readonly string[], nodeArch = process.arch): string {
  const native = NATIVE[nodeArch] ?? fail(`no seccomp support for the ${nodeArch} architecture`);
  const has = (c: string) => caps.includes(c.replace(/^CAP_/, ''));
  const errno = p.defaultErrnoRet ?? 1;
  const lines = [`default ${hex(actionOf(p.defaultAction, p.defaultErrnoRet, 1))}`, ...arches(p, native.scmp).map((a) => `arch ${a}`)];
  for (const call of p.syscalls ?? []) {
    const inc = call.includes ?? {},
      exc = call.excludes ?? {};
    if (inc.arches?.length && !inc.arches.includes(native.goArch)) continue;
    if (inc.caps?.length && !inc.caps.every(has)) continue;
    if (exc.arches?.includes(native.goArch)) continue;
    if (exc.caps?.some(has)) continue;
    const action = hex(actionOf(call.action, call.errnoRet, errno));
    const kernel = inc.minKernel ? [`min-kernel ${inc.minKernel}`] : [];
    const args = (call.args ?? []).map((a) => `${a.index} ${OPS[a.op]} ${a.value} ${a.valueTwo ?? 0}`);
    const repeated = new Set(call.args?.map((a) => a.index)).size < args.length;
    const conditions = repeated ? args.map((a) => [a]) : [args];
    for (const name of [...(call.names ?? []), ...(call.name ? [call.name] : [])])
      for (const c of conditions) lines.push([action, name, ...kernel, ...c].join(' '));
  }
  return lines.join('\n');
}
