/** `berth create` (and the first half of `run`): the record, the name, the container layer. */
import { chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseResources } from './cgroup/index.js';
import { checkName, generateName } from './ids.js';
import { configFile, containerDir, type Dirs } from './paths.js';
import { NEVER, type ContainerRecord } from './record.js';
import { planContainer, type ImageDefaults, type RunOptions } from './spec.js';
import { claimName, claimedNames, listRecords, releaseName, writeRecord } from './store.js';
import { resolveUser } from './user.js';
import { readImageFile } from '../image/rootfs-files.js';
import { randomHex } from '../lib/random-hex.js';
import type { IdMapping } from './userns.js';
import { planContainerMounts } from './volumes/points.js';
import { checkBindSources } from './volumes/lifecycle.js';

/** What the root is made of: an image's layers (lowest first) or a plain --rootfs dir. */
export interface RootSource {
  imageId: string;
  layerDirs: string[];
  config: ImageDefaults;
  rootfs?: string;
  /** The image's ExposedPorts keys ("80/tcp"). */
  exposedPorts?: string[];
}

/** 64 hex digits, as Docker's ids. */
const randomHex32 = () => randomHex(32);

/**
 * Makes a container: plans it (every bad flag is refused here, before anything exists), claims its
 * name, makes its dirs and writes its record. On any failure nothing is left behind.
 */
export function createContainer(
  d: Dirs,
  opts: RunOptions,
  name: string | undefined,
  source: RootSource,
  idMap?: IdMapping,
): ContainerRecord {
  const id = randomHex32();
  const plan = planContainer({ ...opts, exposedPorts: source.exposedPorts }, source.config, id);
  parseResources(opts.resourceFlags); // bad limits are refused before anything exists
  // Every record is read only for --volumes-from: a generated name needs only the names taken.
  const records = opts.storage.volumesFrom.length > 0 ? listRecords(d) : [];
  const mounts = planContainerMounts(opts, source.config.Volumes, records, () => randomHex32());
  checkBindSources(mounts);
  const user = resolveUser(plan.config.User, readImageFile(source.layerDirs, '/etc/passwd'), readImageFile(source.layerDirs, '/etc/group'));
  // --name "" is no name, as in docker: one is generated.
  const finalName = name === undefined || name === '' ? generateName(claimedNames(d)) : checkName(name);
  claimName(d, finalName, id);
  try {
    mkdirSync(containerDir(d, id), { recursive: true, mode: 0o700 });
    // The upper dir is the root dir of the container's overlay: 0755, or users other than root cannot walk it.
    for (const sub of ['diff', 'work', 'merged']) mkdirSync(join(containerDir(d, id), sub), { mode: sub === 'diff' ? 0o755 : 0o700 });
    // In a private user namespace the container layer holds the range's IDs (root inside is
    // idMap's first ID), as containers/storage does: overlayfs refuses an idmapped upper dir.
    if (idMap) chownSync(join(containerDir(d, id), 'diff'), idMap.uid.hostId, idMap.gid.hostId);
    const rec: ContainerRecord = {
      Id: id,
      Name: finalName,
      Image: source.imageId,
      Created: new Date().toISOString(),
      Path: plan.path,
      Args: plan.args,
      Config: { ...plan.config, Volumes: anonymousTargets(mounts) },
      HostConfig: plan.hostConfig,
      LayerDirs: source.layerDirs,
      ...(source.rootfs !== undefined && { Rootfs: source.rootfs }),
      Process: { uid: user.uid, gid: user.gid, groups: user.groups, home: user.home, capabilities: plan.capabilities },
      ...(idMap && { IdMap: idMap }),
      RestartCount: 0,
      ...(Object.keys(plan.endpoints).length && { NetworkingConfig: { EndpointsConfig: plan.endpoints }, Cni: opts.cni }),
      State: { Status: 'created', ExitCode: 0, Error: '', StartedAt: NEVER, FinishedAt: NEVER, OOMKilled: false },
      Mounts: mounts,
    };
    writeRecord(d, rec);
    return rec;
  } catch (err) {
    rmSync(containerDir(d, id), { recursive: true, force: true });
    releaseName(d, finalName, id);
    throw err;
  }
}

const anonymousTargets = (mounts: readonly { Anonymous?: boolean; Destination: string }[]) => {
  const targets = mounts.filter((m) => m.Anonymous).map((m) => [m.Destination, {}]);
  return targets.length > 0 ? Object.fromEntries(targets) : null;
};

export const recordExists = (d: Dirs, id: string) => existsSync(configFile(d, id));
