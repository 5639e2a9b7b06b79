/** Checks of a bind volume's host path, at Create and at each Mount. */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { describeBindRefusal } from './bind-policy.js';
import { VolumeError, describeCause } from './errors.js';

/** The real path of a bind volume's host directory, refused when missing or outside --allow-bind. */
export function resolveBind(device: string, allowBind: readonly string[], root: string): string {
  let resolved: string;
  try {
    resolved = realpathSync.native(device);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VolumeError(`host path ${JSON.stringify(device)} does not exist (Berth never creates it)`);
    throw new VolumeError(
      `cannot resolve host path ${JSON.stringify(device)}: ${(err as NodeJS.ErrnoException).code ?? describeCause(err)}`,
    );
  }
  if (!statSync(resolved).isDirectory()) throw new VolumeError(`host path ${JSON.stringify(device)} is not a directory`);
  const refusal = describeBindRefusal(device, resolved, allowBind, root);
  if (refusal !== undefined) throw new VolumeError(refusal);
  return resolved;
}

/** Checks that the directory dockerd will bind-mount is there, and is still what was created. */
export function checkMountpoint(kind: 'managed' | 'bind', mountpoint: string, allowBind: readonly string[], root: string): string {
  if (kind === 'bind') {
    let resolved: string;
    try {
      resolved = realpathSync.native(mountpoint);
    } catch (err) {
      throw new VolumeError(
        `host path ${JSON.stringify(mountpoint)} is gone: ${(err as NodeJS.ErrnoException).code ?? describeCause(err)}`,
      );
    }
    if (resolved !== mountpoint)
      throw new VolumeError(`host path ${JSON.stringify(mountpoint)} now resolves to ${JSON.stringify(resolved)}: recreate the volume`);
    const refusal = describeBindRefusal(mountpoint, resolved, allowBind, root);
    if (refusal !== undefined) throw new VolumeError(refusal);
  }
  let st;
  try {
    st = lstatSync(mountpoint);
  } catch (err) {
    throw new VolumeError(
      `${kind === 'bind' ? 'host path' : 'data directory'} ${JSON.stringify(mountpoint)} is gone: ${(err as NodeJS.ErrnoException).code ?? describeCause(err)}`,
    );
  }
  if (!st.isDirectory()) throw new VolumeError(`${JSON.stringify(mountpoint)} is not a directory`);
  return mountpoint;
}
