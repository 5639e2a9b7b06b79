/**
 * A CRI (runtime.v1) client playing kubelet's part against containerd's socket, with @grpc/grpc-js.
 * No npm package carries the CRI's api.proto: the schema is read from the containerd binary itself,
 * which embeds its protobuf file descriptors gzipped (gogo/protobuf registration), so the client
 * always speaks the version of the daemon under test.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, constants as zlib } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/** A protobuf varint (the length prefix of a FileDescriptorSet entry). */
function varint(n: number): Buffer {
  const bytes: number[] = [];
  for (; n > 127; n >>>= 7) bytes.push((n & 127) | 128);
  bytes.push(n);
  return Buffer.from(bytes);
}

/**
 * The serialized FileDescriptorProto of the CRI's `package` (e.g. "runtime.v1") found among the gzip
 * streams of `binary`. A descriptor starts with field 1 (the file name) and then field 2 (package).
 * @throws {Error} when the binary embeds no such descriptor
 */
export function extractCriDescriptor(binary: string, pkg = 'runtime.v1'): Buffer {
  const data = readFileSync(binary);
  const packageField = Buffer.concat([Buffer.from([0x12]), varint(pkg.length), Buffer.from(pkg)]);
  for (let at = data.indexOf(GZIP_MAGIC); at >= 0; at = data.indexOf(GZIP_MAGIC, at + 1)) {
    let fd: Buffer;
    try {
      // Read a window: the stream's end is found by the inflater; what follows it is ignored.
      fd = gunzipSync(data.subarray(at, at + (1 << 18)), { finishFlush: zlib.Z_SYNC_FLUSH });
    } catch {
      continue;
    }
    const nameEnd = 2 + fd[1];
    if (fd[0] === 0x0a && fd.subarray(nameEnd, nameEnd + packageField.length).equals(packageField)) return fd;
  }
  throw new Error(`no ${pkg} protobuf descriptor in ${binary}`);
}

type Callback = (err: grpc.ServiceError | null, reply: any) => void;
type Unary = (request: object, options: grpc.CallOptions, callback: Callback) => void;

/** A map<string,string> field as protobufjs sends it from a descriptor: a list of entries (the same on the wire). */
export const mapEntries = (map: Readonly<Record<string, string>>): Array<{ key: string; value: string }> =>
  Object.entries(map).map(([key, value]) => ({ key, value }));

export interface PortMapping {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  container_port: number;
  host_port: number;
  host_ip?: string;
}

export interface PodSpec {
  name: string;
  namespace: string;
  uid: string;
  attempt?: number;
  portMappings?: PortMapping[];
  /** cgroup parent for the pod (cgroupfs driver): tests keep every cgroup under a Berth-named parent. */
  cgroupParent: string;
  logDirectory: string;
}

/** The PodSandboxConfig kubelet sends for a pod, with its usual labels and annotations. */
export function podSandboxConfig(spec: PodSpec): object {
  const labels = { 'io.kubernetes.pod.name': spec.name, 'io.kubernetes.pod.namespace': spec.namespace, 'io.kubernetes.pod.uid': spec.uid };
  return {
    metadata: { name: spec.name, namespace: spec.namespace, uid: spec.uid, attempt: spec.attempt ?? 0 },
    hostname: spec.name,
    log_directory: spec.logDirectory,
    port_mappings: spec.portMappings ?? [],
    labels: mapEntries(labels),
    annotations: mapEntries({ 'kubernetes.io/config.source': 'api' }),
    linux: { cgroup_parent: spec.cgroupParent, security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
}

export interface PodStatus {
  id: string;
  state: string;
  ip: string;
  additionalIps: string[];
  pid?: number;
  netnsPath?: string;
}

/** The RuntimeService calls kubelet makes for pods, as promises. */
export class CriClient {
  private readonly client: grpc.Client & Record<string, Unary>;

  constructor(socket: string, binary = '/usr/bin/containerd') {
    const fd = extractCriDescriptor(binary);
    const set = Buffer.concat([Buffer.from([0x0a]), varint(fd.length), fd]);
    const def = loadFileDescriptorSetFromBuffer(set, { keepCase: true, longs: Number, enums: String, defaults: true });
    const Service = (grpc.loadPackageDefinition(def) as any).runtime.v1.RuntimeService as grpc.ServiceClientConstructor;
    this.client = new Service(`unix://${socket}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Unary>;
  }

  /** One unary call; `timeoutMs` bounds it so a dead daemon fails the test instead of hanging it. */
  call<T = any>(method: string, request: object, timeoutMs = 120_000): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](request, { deadline: Date.now() + timeoutMs }, (err, reply) =>
        err ? reject(new Error(`CRI ${method}: ${err.details || err.message}`)) : resolve(reply),
      );
    });
  }

  async version(): Promise<{ runtime_name: string; runtime_version: string; runtime_api_version: string }> {
    return this.call('Version', { version: 'v1' });
  }

  /** Status: whether the runtime and its network (CNI config loaded) are ready. */
  async networkReady(): Promise<boolean> {
    const r = await this.call('Status', { verbose: false });
    return r.status?.conditions?.some((c: { type: string; status: boolean }) => c.type === 'NetworkReady' && c.status) ?? false;
  }

  async runPodSandbox(spec: PodSpec): Promise<string> {
    return (await this.call('RunPodSandbox', { config: podSandboxConfig(spec), runtime_handler: '' })).pod_sandbox_id;
  }

  /** PodSandboxStatus, verbose: the pod's IP, and from containerd's info its pause PID and netns path. */
  async podSandboxStatus(id: string): Promise<PodStatus> {
    const r = await this.call('PodSandboxStatus', { pod_sandbox_id: id, verbose: true });
    const infoText = r.info as Array<{ key: string; value: string }> | Record<string, string> | undefined;
    const entries = Array.isArray(infoText) ? infoText : Object.entries(infoText ?? {}).map(([key, value]) => ({ key, value }));
    const info = JSON.parse(entries.find((e) => e.key === 'info')?.value ?? '{}');
    return {
      id,
      state: r.status.state,
      ip: r.status.network?.ip ?? '',
      additionalIps: (r.status.network?.additional_ips ?? []).map((a: { ip: string }) => a.ip),
      pid: info.pid,
      netnsPath: info.runtimeSpec?.linux?.namespaces?.find((n: { type: string }) => n.type === 'network')?.path,
    };
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.call('StopPodSandbox', { pod_sandbox_id: id });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.call('RemovePodSandbox', { pod_sandbox_id: id });
  }

  async listPodSandbox(): Promise<Array<{ id: string; state: string; name: string }>> {
    const r = await this.call('ListPodSandbox', { filter: null });
    return r.items.map((p: any) => ({ id: p.id, state: p.state, name: p.metadata.name }));
  }

  close(): void {
    this.client.close();
  }
}
