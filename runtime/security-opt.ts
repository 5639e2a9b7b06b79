/**
 * `--security-opt`: what of Docker's Berth honours (seccomp, no-new-privileges) and what it takes
 * as the no-op it is here (no AppArmor or SELinux profile is ever applied). Pure: files are read by
 * the caller.
 */
import type { HostConfig } from './record.js';
import { parseSeccompProfile, type SeccompProfile } from './seccomp-profile.js';
import { goOpenError } from '../lib/go-errors.js';
import { SettingError } from './errors.js';

/**
 * Docker's HostConfig.SecurityOpt for the flags as given (null without any); a profile comes as
 * its JSON text (`seccomp={...}`), as Docker's CLI sends it. @throws {Error} on one Berth cannot honour
 */
export function planSecurityOpts(opts: readonly string[]): string[] | null {
  for (const opt of opts) checkSecurityOpt(opt);
  return opts.length > 0 ? [...opts] : null;
}

/** As Docker's daemon splits them: KEY=VALUE, the older KEY:VALUE, or the bare `no-new-privileges`. */
function checkSecurityOpt(opt: string): void {
  if (opt === 'no-new-privileges') return;
  const at = opt.search(/[=:]/);
  if (at < 0) throw new SettingError(`invalid --security-opt 1: ${JSON.stringify(opt)}`, 'flag');
  const key = opt.slice(0, at),
    value = opt.slice(at + 1);
  const refuse = (why: string) => new Error(`--security-opt ${opt}: ${why}`);
  switch (key) {
    case 'seccomp':
      if (value !== 'unconfined') parseSeccompProfile(value);
      return;
    case 'no-new-privileges':
      if (value === 'true') return;
      if (value === 'false') throw refuse('Berth always sets no-new-privileges, except with --privileged');
      throw new Error(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    case 'label':
      if (value === 'disable') return;
      throw refuse('Berth applies no SELinux labels; only "label=disable" is accepted');
    case 'apparmor':
      if (value === 'unconfined') return;
      throw refuse('Berth applies no AppArmor profile; only "apparmor=unconfined" is accepted');
    default:
      throw new Error(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
  }
}

/** The container's seccomp profile: `unconfined` (--privileged too), `default` (Docker's) or a custom one. */
export function seccompProfileOf(h: Pick<HostConfig, 'Privileged' | 'SecurityOpt'>): 'unconfined' | 'default' | SeccompProfile {
  const opt = (h.SecurityOpt ?? []).find((o) => /^seccomp[=:]/.test(o));
  if (h.Privileged || opt?.slice(8) === 'unconfined') return 'unconfined';
  return opt === undefined ? 'default' : parseSeccompProfile(opt.slice(8));
}

/**
 * `seccomp=PROFILE.json` with the file's JSON, compacted, in place of its path, as Docker's CLI
 * sends it to the daemon (`readFile` is the caller's). @throws {Error} in the CLI's words
 */
export function inlineSeccompProfiles(opts: readonly string[], readFile: (path: string) => string): string[] {
  return opts.map((opt) => {
    const path = /^seccomp[=:]/.test(opt) ? opt.slice(8) : 'unconfined';
    if (path === 'unconfined') return opt;
    let text: string;
    try {
      text = readFile(path);
    } catch (err) {
      throw new SettingError(`opening seccomp profile (${path}) failed: ${goOpenError(path, err)}`, 'flag');
    }
    try {
      return `seccomp=${JSON.stringify(JSON.parse(text))}`;
    } catch (err) {
      throw new SettingError(`compacting json for seccomp profile (${path}) failed: ${(err as Error).message}`, 'flag');
    }
  });
}
