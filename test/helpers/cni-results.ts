/** Network configurations and prevResults as the plugins of a chain see them, for unit tests. */
import type { IPConfig, NetConf, Result } from '../../cni/types';

/** A plugin's configuration in the network "web". */
export const netConf = (type: string, extra: object = {}): NetConf => ({ cniVersion: '1.0.0', name: 'web', type, ...extra });

/** The prevResult bridge hands on: the bridge, the host veth, then eth0 in the container at index 2. */
export function bridgeResult(ips: IPConfig[], extra: Partial<Result> = {}): Result {
  return {
    cniVersion: '1.0.0',
    interfaces: [
      { name: 'cni0', mac: '02:00:00:00:00:01' },
      { name: 'veth1', mac: '02:00:00:00:00:02' },
      { name: 'eth0', mac: '02:00:00:00:00:03', sandbox: '/run/netns/c1' },
    ],
    ips,
    ...extra,
  };
}
