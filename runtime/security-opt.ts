/**
 * `--security-opt`: what of Docker's Berth honours (seccomp, no-new-privileges) and what it takes
 * as the no-op it is here (no AppArmor or SELinux profile is ever applied). Pure.
 */
import type { HostConfig } from './record.js';

/** Docker's HostConfig.SecurityOpt for the flags as given (null without any). @throws {Error} on one Berth cannot honour */
export function planSecurityOpts(opts: readonly string[]): string[] | null {
  for (const opt of opts) checkSecurityOpt(opt);
  return opts.length > 0 ? [...opts] : null;
}

/** As Docker's daemon splits them: KEY=VALUE, the older KEY:VALUE, or the bare `no-new-privileges`. */
function checkSecurityOpt(opt: string): void {
  if (opt === 'no-new-privileges') return;
  const at = opt.search(/[=:]/);
  if (at < 0) throw new Error(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
  const key = opt.slice(0, at),
    value = opt.slice(at + 1);
  const refuse = (why: string) => new Error(`--security-opt ${opt}: ${why}`);
  switch (key) {
    case 'seccomp':
      if (value === 'unconfined') return;
      throw refuse('Berth runs Docker\'s default seccomp profile or none ("seccomp=unconfined"); custom profiles are not supported');
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

/** Whether the container's processes run under Docker's default seccomp filter: not with --privileged or seccomp=unconfined. */
export function seccompConfined(h: Pick<HostConfig, 'Privileged' | 'SecurityOpt'>): boolean {
  return !h.Privileged && !(h.SecurityOpt ?? []).some((o) => o === 'seccomp=unconfined' || o === 'seccomp:unconfined');
}
