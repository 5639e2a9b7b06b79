/** The container's cgroup through the cgroup driver (runtime/cgroup/), by its record. */
import { openCgroup, parseResources, type Cgroup } from './cgroup/index.js';
import type { ContainerRecord } from './record.js';

/** The resource flags as the driver's parseResources takes them (flag name -> value). */
export function resourcesOf(rec: ContainerRecord) {
  return parseResources(rec.HostConfig.ResourceFlags);
}

export function cgroupOf(rec: ContainerRecord): Cgroup {
  return openCgroup({ parent: rec.HostConfig.CgroupParent || '/berth', name: rec.Id });
}
