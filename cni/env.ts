/** Validation of the CNI_* environment (SPEC.md "Parameters"); pure. */
import { CniError, ErrCode } from './errors.js';

export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS'] as const;
export type Command = (typeof COMMANDS)[number];

/** The env variables each command needs (checklist P3). */
const REQUIRED: Record<Command, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  GC: ['CNI_PATH'],
  STATUS: [],
  VERSION: [],
};

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.\-]*$/;

/** Container IDs: non-empty, alphanumerics first, then alphanumerics, "_", "." or "-" (SPEC.md). */
export function isValidContainerId(id: string): boolean {
  return CONTAINER_ID.test(id);
}

/** Whitespace as the reference reads it (Go's unicode.IsSpace): JS's \s adds U+FEFF and lacks U+0085. */
const SLASH_COLON_OR_SPACE = /[/:\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** An ASCII name by its char codes, the rest by the expression (which compiles at its first use: every ADD checks a name). */
function hasSlashColonOrSpace(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) return SLASH_COLON_OR_SPACE.test(name);
    if (c === 0x2f || c === 0x3a || c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  }
  return false;
}

/** Kernel interface names: 1-15 bytes, not "." or "..", no "/", ":" or whitespace. */
export function describeIfnameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (Buffer.byteLength(name) > 15) return 'is longer than 15 bytes';
  if (name === '.' || name === '..') return 'is "." or ".."';
  if (hasSlashColonOrSpace(name)) return 'contains "/", ":" or whitespace';
  return undefined;
}

export interface CniEnv {
  command: Command;
  containerId: string;
  netns: string;
  ifName: string;
  args: Map<string, string>;
  /**
   * Why CNI_ARGS could not be parsed (then `args` is empty). Plugins that read CNI_ARGS refuse the
   * call with it, as the reference's LoadArgs does; loopback and portmap never read it.
   */
  argsError?: CniError;
  path: string[];
}

/** Reads CNI_COMMAND. @throws {CniError} code 4 when missing or unknown */
export function parseCommand(env: Readonly<Record<string, string | undefined>>): Command {
  const cmd = env.CNI_COMMAND;
  if (cmd === undefined || cmd === '')
    throw new CniError(ErrCode.InvalidEnvironment, 'required environment variable CNI_COMMAND is missing');
  if (!(COMMANDS as readonly string[]).includes(cmd))
    throw new CniError(ErrCode.InvalidEnvironment, `unknown CNI_COMMAND ${JSON.stringify(cmd)}`, `known commands: ${COMMANDS.join(', ')}`);
  return cmd as Command;
}

/**
 * Parses CNI_ARGS ("K1=V1;K2=V2"). Empty parts are skipped.
 * @throws {CniError} code 4 on a part without "=" or with an empty key
 */
export function parseCniArgs(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!text) return out;
  for (const part of text.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CniError(ErrCode.InvalidEnvironment, `invalid CNI_ARGS pair ${JSON.stringify(part)}: expected KEY=VALUE`);
    out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/** Validates the env for `command`. @throws {CniError} code 4 naming the variable */
export function parseEnv(command: Command, env: Readonly<Record<string, string | undefined>>): CniEnv {
  for (const name of REQUIRED[command])
    if (env[name] === undefined || env[name] === '')
      throw new CniError(ErrCode.InvalidEnvironment, `required environment variable ${name} is missing for ${command}`);
  const containerId = env.CNI_CONTAINERID ?? '';
  if (REQUIRED[command].includes('CNI_CONTAINERID') && !CONTAINER_ID.test(containerId))
    throw new CniError(
      ErrCode.InvalidEnvironment,
      `invalid CNI_CONTAINERID ${JSON.stringify(containerId)}: must match ${CONTAINER_ID.source}`,
    );
  const ifName = env.CNI_IFNAME ?? '';
  if (REQUIRED[command].includes('CNI_IFNAME')) {
    const problem = describeIfnameProblem(ifName);
    if (problem) throw new CniError(ErrCode.InvalidEnvironment, `invalid CNI_IFNAME ${JSON.stringify(ifName)}: ${problem}`);
  }
  let args: Map<string, string>, argsError: CniError | undefined;
  try {
    args = parseCniArgs(env.CNI_ARGS);
  } catch (err) {
    [args, argsError] = [new Map(), err as CniError];
  }
  return {
    command,
    containerId,
    netns: env.CNI_NETNS ?? '',
    ifName,
    args,
    ...(argsError && { argsError }),
    path: (env.CNI_PATH ?? '').split(':').filter((p) => p !== ''),
  };
}
