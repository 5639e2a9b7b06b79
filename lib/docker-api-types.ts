/**
 * The Go types of Docker 20.10's API (github.com/docker/docker/api/types) that `inspect` templates
 * run on: containers, images, networks and volumes, fields in Go's order. Pure data.
 */
import { embedded, goAny, goBool, goInt, goString, goTime, map, ptr, renamed, slice, stringMap, strings, struct } from './go-typed.js';
import { CONFIG, HOST_CONFIG, PORT_MAP } from './docker-config-types.js';

const graphDriver = struct({ Data: stringMap, Name: goString });

const health = struct({
  Status: goString,
  FailingStreak: goInt,
  Log: slice(ptr(struct({ Start: goTime, End: goTime, ExitCode: goInt, Output: goString }))),
});

const state = struct({
  Status: goString,
  Running: goBool,
  Paused: goBool,
  Restarting: goBool,
  OOMKilled: goBool,
  Dead: goBool,
  Pid: goInt,
  ExitCode: goInt,
  Error: goString,
  StartedAt: goString,
  FinishedAt: goString,
  Health: ptr(health),
});

const endpointSettings = struct({
  IPAMConfig: ptr(struct({ IPv4Address: goString, IPv6Address: goString, LinkLocalIPs: strings })),
  Links: strings,
  Aliases: strings,
  NetworkID: goString,
  EndpointID: goString,
  Gateway: goString,
  IPAddress: goString,
  IPPrefixLen: goInt,
  IPv6Gateway: goString,
  GlobalIPv6Address: goString,
  GlobalIPv6PrefixLen: goInt,
  MacAddress: goString,
  DriverOpts: stringMap,
});

const addresses = slice(struct({ Addr: goString, PrefixLen: goInt }));

const networkSettings = struct({
  NetworkSettingsBase: embedded(
    struct({
      Bridge: goString,
      SandboxID: goString,
      HairpinMode: goBool,
      LinkLocalIPv6Address: goString,
      LinkLocalIPv6PrefixLen: goInt,
      Ports: PORT_MAP,
      SandboxKey: goString,
      SecondaryIPAddresses: addresses,
      SecondaryIPv6Addresses: addresses,
    }),
  ),
  DefaultNetworkSettings: embedded(
    struct({
      EndpointID: goString,
      Gateway: goString,
      GlobalIPv6Address: goString,
      GlobalIPv6PrefixLen: goInt,
      IPAddress: goString,
      IPPrefixLen: goInt,
      IPv6Gateway: goString,
      MacAddress: goString,
    }),
  ),
  Networks: map(ptr(endpointSettings)),
});

/** types.ContainerJSON: `docker inspect` of a container. */
export const CONTAINER_JSON = struct({
  ContainerJSONBase: embedded(
    struct({
      ID: renamed('Id', goString),
      Created: goString,
      Path: goString,
      Args: strings,
      State: ptr(state),
      Image: goString,
      ResolvConfPath: goString,
      HostnamePath: goString,
      HostsPath: goString,
      LogPath: goString,
      Node: ptr(struct({ ID: goString, IP: goString, Addr: goString, Name: goString, Cpus: goInt, Memory: goInt, Labels: stringMap })),
      Name: goString,
      RestartCount: goInt,
      Driver: goString,
      Platform: goString,
      MountLabel: goString,
      ProcessLabel: goString,
      AppArmorProfile: goString,
      ExecIDs: strings,
      HostConfig: ptr(HOST_CONFIG),
      GraphDriver: graphDriver,
      SizeRw: ptr(goInt),
      SizeRootFs: ptr(goInt),
    }),
  ),
  Mounts: slice(
    struct({
      Type: goString,
      Name: goString,
      Source: goString,
      Destination: goString,
      Driver: goString,
      Mode: goString,
      RW: goBool,
      Propagation: goString,
    }),
  ),
  Config: ptr(CONFIG),
  NetworkSettings: ptr(networkSettings),
});

/** types.ImageInspect: `docker image inspect`. */
export const IMAGE_INSPECT = struct({
  ID: renamed('Id', goString),
  RepoTags: strings,
  RepoDigests: strings,
  Parent: goString,
  Comment: goString,
  Created: goString,
  Container: goString,
  ContainerConfig: ptr(CONFIG),
  DockerVersion: goString,
  Author: goString,
  Config: ptr(CONFIG),
  Architecture: goString,
  Variant: goString,
  Os: goString,
  OsVersion: goString,
  Size: goInt,
  VirtualSize: goInt,
  GraphDriver: graphDriver,
  RootFS: struct({ Type: goString, Layers: strings, BaseLayer: goString }),
  Metadata: struct({ LastTagTime: goTime }),
});

/** types.Volume: `docker volume inspect`. */
export const VOLUME = struct({
  CreatedAt: goString,
  Driver: goString,
  Labels: stringMap,
  Mountpoint: goString,
  Name: goString,
  Options: stringMap,
  Scope: goString,
  Status: map(goAny),
  UsageData: ptr(struct({ RefCount: goInt, Size: goInt })),
});

/** types.NetworkResource: `docker network inspect`. */
export const NETWORK_RESOURCE = struct({
  Name: goString,
  ID: renamed('Id', goString),
  Created: goTime,
  Scope: goString,
  Driver: goString,
  EnableIPv6: goBool,
  IPAM: struct({
    Driver: goString,
    Options: stringMap,
    Config: slice(struct({ Subnet: goString, IPRange: goString, Gateway: goString, AuxAddress: renamed('AuxiliaryAddresses', stringMap) })),
  }),
  Internal: goBool,
  Attachable: goBool,
  Ingress: goBool,
  ConfigFrom: struct({ Network: goString }),
  ConfigOnly: goBool,
  Containers: map(struct({ Name: goString, EndpointID: goString, MacAddress: goString, IPv4Address: goString, IPv6Address: goString })),
  Options: stringMap,
  Labels: stringMap,
  Peers: slice(struct({ Name: goString, IP: goString })),
  Services: map(
    struct({
      VIP: goString,
      Ports: strings,
      LocalLBIndex: goInt,
      Tasks: slice(struct({ Name: goString, EndpointID: goString, EndpointIP: goString, Info: stringMap })),
    }),
  ),
});
