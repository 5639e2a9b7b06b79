import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerHostConfig, MASKED_PATHS, READONLY_PATHS } from '../../../runtime/inspect-host-config';
import type { HostConfig } from '../../../runtime/record';

const test = suite('inspect: HostConfig as dockerd 20.10');

const hostConfig = (): HostConfig => ({
  Binds: null,
  NetworkMode: 'default',
  RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
  AutoRemove: false,
  CapAdd: null,
  CapDrop: null,
  Privileged: false,
  ReadonlyRootfs: false,
  Init: false,
  CgroupParent: '',
  LogConfig: { Type: 'json-file', Config: {} },
  ResourceFlags: {},
});

// `docker inspect -f '{{json .HostConfig}}'` of `docker create busybox` (dockerd 20.10.24), keys in order.
const DOCKER_KEYS =
  'Binds ContainerIDFile LogConfig NetworkMode PortBindings RestartPolicy AutoRemove VolumeDriver VolumesFrom CapAdd CapDrop ' +
  'CgroupnsMode Dns DnsOptions DnsSearch ExtraHosts GroupAdd IpcMode Cgroup Links OomScoreAdj PidMode Privileged ' +
  'PublishAllPorts ReadonlyRootfs SecurityOpt UTSMode UsernsMode ShmSize Runtime ConsoleSize Isolation CpuShares Memory ' +
  'NanoCpus CgroupParent BlkioWeight BlkioWeightDevice BlkioDeviceReadBps BlkioDeviceWriteBps BlkioDeviceReadIOps ' +
  'BlkioDeviceWriteIOps CpuPeriod CpuQuota CpuRealtimePeriod CpuRealtimeRuntime CpusetCpus CpusetMems Devices ' +
  'DeviceCgroupRules DeviceRequests KernelMemory KernelMemoryTCP MemoryReservation MemorySwap MemorySwappiness ' +
  'OomKillDisable PidsLimit Ulimits CpuCount CpuPercent IOMaximumIOps IOMaximumBandwidth MaskedPaths ReadonlyPaths';

test("dockerHostConfig() has dockerd's fields in its order, and no berth-only field", () => {
  const shown = JSON.parse(JSON.stringify(dockerHostConfig(hostConfig())));
  assert.equal(Object.keys(shown), DOCKER_KEYS.split(' '));
  assert.equal([shown.ShmSize, shown.IpcMode, shown.CgroupnsMode, shown.ConsoleSize], [67108864, 'private', 'host', [0, 0]]);
  assert.is(shown.ReadonlyPaths[3], '/proc/sys');
});

test('dockerHostConfig(): --privileged masks nothing (null, as dockerd); --init, --tmpfs and --mount appear where dockerd puts them', () => {
  const hc = { ...hostConfig(), Privileged: true, Init: true, Tmpfs: { '/t': '' }, Mounts: [{ Type: 'tmpfs', Source: '', Target: '/m' }] };
  const shown = dockerHostConfig(hc);
  assert.equal([shown.MaskedPaths, shown.ReadonlyPaths, shown.Init], [null, null, true]);
  const keys = Object.keys(shown);
  assert.is(keys[keys.indexOf('SecurityOpt') + 1], 'Tmpfs');
  assert.is(keys[keys.indexOf('IOMaximumBandwidth') + 1], 'Mounts');
});

test('MASKED_PATHS and READONLY_PATHS are the lists berth-shim applies (runtime/shim/container.c)', () => {
  const c = readFileSync(join(__dirname, '../../../runtime/shim/container.c'), 'utf8');
  const list = (name: string) => [...c.match(new RegExp(`${name}\\[\\] = \\{([^}]*)\\}`))![1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  assert.equal(MASKED_PATHS, list('MASKED'));
  assert.equal(READONLY_PATHS, list('READONLY'));
});

test.run();
