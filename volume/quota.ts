/**
 * Project quotas for managed volumes with `size`: the data directory gets a project ID (inherited by
 * everything created inside it) and a hard block limit on that project. ext4 through `chattr -p`
 * and `setquota -P` (Debian packages e2fsprogs, quota); xfs through `xfs_quota`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { VolumeError } from './errors.js';
import { describeQuotaSupport, parseMountinfo } from './quota-support.js';

export interface Quotas {
  /** Limits `dir` (and all below it) to `bytes` under project `projectId`. @throws {VolumeError} when unsupported */
  limit(dir: string, projectId: number, bytes: number): Promise<void>;
  /** Drops the limit of `projectId` (best effort, after a Remove). */
  clear(dir: string, projectId: number): Promise<void>;
}

const PACKAGE_OF: Record<string, string> = { chattr: 'e2fsprogs', setquota: 'quota', xfs_quota: 'xfsprogs' };

function runTool(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        return reject(
          new VolumeError(
            `cannot set a project quota: ${cmd} not found (install the Debian package ${JSON.stringify(PACKAGE_OF[cmd] ?? cmd)})`,
          ),
        );
      const last = String(stderr).trim().split('\n').pop() ?? '';
      reject(new VolumeError(`cannot set a project quota: ${cmd} ${args.join(' ')} failed: ${last || err.message}`));
    });
  });
}

/** How quotas reach the system; tests pass a recording fake. */
export interface QuotaSystem {
  run(cmd: string, args: string[]): Promise<void>;
  readMountinfo(): Promise<string>;
}

const REAL_SYSTEM: QuotaSystem = { run: runTool, readMountinfo: () => readFile('/proc/self/mountinfo', 'utf8') };

/** Project quotas on the file system holding `root` (a resolved path). Support is checked at each use: mounts change. */
export function openQuotas(root: string, system: QuotaSystem = REAL_SYSTEM): Quotas {
  const runTool = system.run;
  const support = async () => {
    const s = describeQuotaSupport(parseMountinfo(await system.readMountinfo()), root);
    if (!s.ok) throw new VolumeError(`option "size" needs project quotas: ${s.reason}`);
    return s;
  };
  return {
    async limit(dir, projectId, bytes) {
      const s = await support();
      const kib = Math.ceil(bytes / 1024);
      if (s.fsType === 'ext4') {
        await runTool('chattr', ['-p', String(projectId), '+P', dir]);
        await runTool('setquota', ['-P', String(projectId), '0', String(kib), '0', '0', s.mountPoint]);
      } else {
        await runTool('xfs_quota', [
          '-x',
          '-c',
          `project -s -p ${dir} ${projectId}`,
          '-c',
          `limit -p bhard=${kib}k ${projectId}`,
          s.mountPoint,
        ]);
      }
    },
    async clear(_dir, projectId) {
      const s = await support();
      if (s.fsType === 'ext4') await runTool('setquota', ['-P', String(projectId), '0', '0', '0', '0', s.mountPoint]);
      else await runTool('xfs_quota', ['-x', '-c', `limit -p bhard=0 ${projectId}`, s.mountPoint]);
    },
  };
}
