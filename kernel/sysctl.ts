/** sysctls, optionally inside another network namespace (net.* keys are per namespace). */
import { readFileSync, writeFileSync } from 'node:fs';
import { KernelError } from './errors.js';
import { inNetnsSync } from './netns.js';

/** "net.ipv4.ip_forward" → "/proc/sys/net/ipv4/ip_forward". Interface names may contain dots, so pass segments for those. */
export function sysctlPath(key: string | readonly string[]): string {
  const parts = typeof key === 'string' ? key.split('.') : key;
  return `/proc/sys/${parts.join('/')}`;
}

export function readSysctl(key: string | readonly string[], netns?: string): string {
  const path = sysctlPath(key);
  return inNetnsSync(netns, () => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new KernelError('read sysctl', path, (err as NodeJS.ErrnoException).code ?? 'EIO');
    }
  });
}

/** Writes a sysctl; skips the write when the value is already set (writes can be slow). */
export function writeSysctl(key: string | readonly string[], value: string, netns?: string): void {
  const path = sysctlPath(key);
  inNetnsSync(netns, () => {
    try {
      if (readFileSync(path, 'utf8').trim() === value) return;
      writeFileSync(path, value);
    } catch (err) {
      throw new KernelError('write sysctl', path, (err as NodeJS.ErrnoException).code ?? 'EIO');
    }
  });
}
