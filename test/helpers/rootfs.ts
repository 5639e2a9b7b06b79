/**
 * A busybox root file system for tests (busybox-static and its applet links), as a directory or a
 * tar, with extra files and directories; `docker import`, `berth image import` and `--rootfs` use it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RootfsExtra {
  /** path -> content */
  files?: Record<string, string>;
  dirs?: Array<{ path: string; uid: number; gid: number; mode: number }>;
}

/** Fills `dir` (made if missing) with busybox, its applet links, /etc/passwd and /etc/group, and `extra`. */
export function busyboxRootfs(dir: string, extra: RootfsExtra = {}): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  for (const sub of ['tmp', 'etc', 'proc', 'sys', 'dev']) mkdirSync(join(dir, sub), { recursive: true });
  const busybox = existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox';
  spawnSync('cp', [busybox, join(dir, 'bin/busybox')]);
  const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const a of applets) if (a !== 'busybox') spawnSync('ln', ['-sf', 'busybox', join(dir, 'bin', a)]);
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  for (const d of extra.dirs ?? []) {
    mkdirSync(join(dir, d.path), { recursive: true });
    spawnSync('chown', [`${d.uid}:${d.gid}`, join(dir, d.path)]);
    spawnSync('chmod', [d.mode.toString(8), join(dir, d.path)]);
  }
  for (const [path, content] of Object.entries(extra.files ?? {})) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Tars `dir` (numeric owners, members "./...") into `tarPath`. */
export function tarDirectory(dir: string, tarPath: string): string {
  const tar = spawnSync('tar', ['-C', dir, '--numeric-owner', '-cf', tarPath, '.']);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return tarPath;
}

/** busybox httpd in the foreground on port 80 serving `root`: the web server of the network tests. */
export const httpdArgs = (root: string): string[] => ['httpd', '-f', '-p', '80', '-h', root];
