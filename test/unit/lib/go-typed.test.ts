import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderTypedTemplate } from '../../../lib/go-template';
import { goDurationText } from '../../../lib/go-typed';
import { CONTAINER_JSON, IMAGE_INSPECT, NETWORK_RESOURCE, VOLUME } from '../../../lib/docker-api-types';

// A created container as berth's inspect shows it: the JSON leaves out what dockerd's omits.
const ctr = {
  Id: 'abc',
  State: {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
  },
  Config: { Hostname: 'abc', Cmd: ['sleep', '100'], Env: null, Labels: {} },
  HostConfig: { RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, PidsLimit: null, CpuShares: 512, OomKillDisable: false },
  NetworkSettings: { Networks: { none: { IPAddress: '' } }, Ports: {} },
  Mounts: [],
};
const inspect = (template: string) => renderTypedTemplate(template, CONTAINER_JSON, ctr);

// Each line's expectation is docker 20.10's output for the same template on such a container.
test('renderTypedTemplate(): zero values, structs and pointers as the docker CLI prints its typed inspect', () => {
  assert.is(inspect('{{.Config.StopSignal}}|{{json .Config.StopSignal}}'), '|""');
  assert.is(
    inspect('{{.HostConfig.PidsLimit}}|{{.Config.Healthcheck}}|{{.State.Health}}|{{.Config.StopTimeout}}'),
    '<nil>|<nil>|<nil>|<nil>',
  );
  assert.is(inspect('{{.HostConfig.RestartPolicy}}|{{json .HostConfig.RestartPolicy}}'), '{no 0}|{"Name":"no","MaximumRetryCount":0}');
  assert.is(
    inspect('{{.Config.Env}}|{{.Config.ExposedPorts}}|{{.HostConfig.Binds}}|{{.HostConfig.Tmpfs}}|{{json .Config.Env}}'),
    '[]|map[]|[]|map[]|null',
  );
  // Error, StartedAt and FinishedAt are empty here.
  assert.is(inspect('{{.State}}'), '{created false false false false false 0 0    <nil>}');
  assert.is(inspect('{{.HostConfig.LogConfig}}'), '{ map[]}');
  // A pointer inside another value prints as an address (a fixed one); a non-nil one alone is followed.
  assert.is(inspect('{{.NetworkSettings.Networks}}|{{.HostConfig.OomKillDisable}}'), 'map[none:0xc000010000]|false');
  // Promoted fields of embedded structs, by the Go name (CPUShares) and, through the plain JSON, by its key.
  assert.is(inspect('{{.HostConfig.CPUShares}}|{{.ID}}'), '512|abc');
  assert.is(inspect('{{.HostConfig.CpuShares}}|{{.Id}}'), '512|abc');
  assert.is(inspect('{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}}{{end}}|{{len .Config.Cmd}}'), 'none=|2');
  assert.is(inspect('{{if .Config.Env}}env{{else}}none{{end}}|{{with .State.Health}}h{{else}}no health{{end}}'), 'none|no health');
  assert.is(inspect('{{index .Config.Labels "x"}}|{{index .Config.Cmd 1}}'), '|100');
});

test('renderTypedTemplate(): a field the Go type lacks falls back to the plain JSON, as docker does', () => {
  const extra = { ...ctr, Extra: { A: 1 } };
  assert.is(renderTypedTemplate('{{.Extra.A}}', CONTAINER_JSON, extra), '1');
  assert.throws(() => renderTypedTemplate('{{.Nope}}', CONTAINER_JSON, ctr), /no entry for key "Nope"/);
});

test('renderTypedTemplate(): images, networks (time.Time) and volumes', () => {
  const image = { Id: 'sha256:1', RepoTags: ['bb:latest'], Config: { Cmd: ['/bin/sh'] }, RootFS: { Type: 'layers', Layers: ['sha256:2'] } };
  assert.is(
    renderTypedTemplate('{{.RootFS}}|{{.Metadata}}|{{.ContainerConfig}}', IMAGE_INSPECT, image),
    '{layers [sha256:2] }|{0001-01-01 00:00:00 +0000 UTC}|<nil>',
  );
  const net = {
    Name: 'n1',
    Id: 'f',
    Created: '2026-12-06T09:24:25.355119806Z',
    IPAM: { Driver: 'default', Config: [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }] },
  };
  assert.is(
    renderTypedTemplate('{{.Created}}|{{.IPAM}}|{{.ConfigFrom}}|{{.Containers}}', NETWORK_RESOURCE, net),
    '2026-12-06 09:24:25.355119806 +0000 UTC|{default map[] [{10.0.0.0/24  10.0.0.1 map[]}]}|{}|map[]',
  );
  const vol = { CreatedAt: '2026-12-06T09:24:25Z', Driver: 'local', Mountpoint: '/v', Name: 'v1', Scope: 'local' };
  assert.is(renderTypedTemplate('{{.}}', VOLUME, vol), '{2026-12-06T09:24:25Z local map[] /v v1 map[] local map[] <nil>}');
});

test("goDurationText(): time.Duration's String", () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [1.5e9, '1.5s'],
    [30e9, '30s'],
    [120e9, '2m0s'],
    [3600e9, '1h0m0s'],
    [3e8, '300ms'],
    [1500, '1.5µs'],
    [40, '40ns'],
    [-2e9, '-2s'],
  ];
  for (const [ns, text] of cases) assert.is(goDurationText(ns), text, String(ns));
});

test.run();
