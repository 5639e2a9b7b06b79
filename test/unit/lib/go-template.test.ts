import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderGoTemplate, templateFields } from '../../../lib/go-template';

const data = { Name: 'web', Labels: { b: '2', a: '1' }, Internal: false, Label: (k: string) => (k === 'a' ? '1' : '') };

test('renderGoTemplate() fills fields, json, a method with a string argument, and \\t', () => {
  assert.is(renderGoTemplate('{{.Name}}\\t{{ .Internal }}', data), 'web\tfalse');
  assert.is(renderGoTemplate('{{json .Labels}} {{.Labels}}', data), '{"b":"2","a":"1"} map[a:1 b:2]');
  assert.is(renderGoTemplate('{{.Label "a"}}|{{.Label "zz"}}', data), '1|');
  assert.is(renderGoTemplate('{{json .Name}}', data), '"web"');
});

// What `docker inspect -f` users write, with docker 20.10's output for the same object.
const ctr = {
  Name: '/m1',
  State: { Status: 'running', Running: true, Pid: 28019, ExitCode: 0 },
  Config: { Cmd: ['sleep', '1000'], Env: null, Labels: { a: 'b' } },
  HostConfig: { Memory: 67108864, NanoCpus: 1500000000, PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }] } },
  NetworkSettings: { Networks: { web: { IPAddress: '192.0.2.5' }, db: { IPAddress: '198.51.100.7' } } },
  Mounts: [
    { Source: '/a', Destination: '/x' },
    { Source: '/b', Destination: '/y' },
  ],
};
const cases: Array<[template: string, docker: string]> = [
  ['{{.State.Status}} {{.State.Pid}} {{.Name}}', 'running 28019 /m1'],
  ['{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}', '67108864 1500000000'],
  ['{{.Config.Cmd}} {{.Config.Labels}} {{.Config.Env}}', '[sleep 1000] map[a:b] <no value>'],
  ['{{.HostConfig.PortBindings}}', 'map[80/tcp:[map[HostIp: HostPort:]]]'],
  ['{{json .State}}', '{"Status":"running","Running":true,"Pid":28019,"ExitCode":0}'],
  ['{{index .Config.Labels "a"}}|{{index .Config.Labels "zz"}}', 'b|<no value>'],
  ['{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', '198.51.100.7 192.0.2.5 '],
  ['{{(index .NetworkSettings.Networks "web").IPAddress}}', '192.0.2.5'],
  ['{{range .Mounts}}{{.Source}}:{{.Destination}},{{end}}', '/a:/x,/b:/y,'],
  ['{{if .State.Running}}up{{else}}down{{end}} {{if eq .State.Status "exited"}}x{{end}}', 'up '],
  ['{{with .State}}{{.Pid}}{{end}} {{len .Config.Cmd}} {{upper .Name}} {{.Name | upper}}', '28019 2 /M1 /M1'],
  ['{{join .Config.Cmd ","}} {{range $.Mounts}}{{$.Name}}{{end}}', 'sleep,1000 /m1/m1'],
  ['a {{- " b " -}} c', 'a b c'],
  ['{{range .Config.Env}}x{{else}}none{{end}}', 'none'],
  // Variables, as docker's docs use them ("{{range $p, $conf := .NetworkSettings.Ports}}").
  ['{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}', 'db=198.51.100.7 web=192.0.2.5 '],
  ['{{range $p, $conf := .HostConfig.PortBindings}}{{$p}} -> {{(index $conf 0).HostIp}}|{{end}}', '80/tcp -> |'],
  [
    '{{range $i, $c := .Config.Cmd}}{{$i}}:{{$c}} {{end}}{{range $c := .Config.Cmd}}{{$c}}{{$.Name}} {{end}}',
    '0:sleep 1:1000 sleep/m1 1000/m1 ',
  ],
  ['{{$n := .Name}}{{with .State}}{{.Status}} {{$n}}{{end}} {{with $s := .State}}{{$s.Pid}}{{end}}', 'running /m1 28019'],
  ['{{if eq .State.Status "exited"}}down{{else if .State.Running}}up{{else}}?{{end}}', 'up'],
  ['{{if .Config.Env}}env{{else with .Config.Labels}}{{.a}}{{end}}', 'b'],
];
for (const [template, docker] of cases)
  test(`renderGoTemplate() renders ${template} as docker inspect -f does`, () => assert.is(renderGoTemplate(template, ctr), docker));

const refused: Array<[template: string, message: RegExp]> = [
  ['{{.Nope}}', /can't evaluate "\.Nope": no entry for key "Nope"$/],
  ['{{.State.Nope.Deeper}}', /no entry for key "Nope"$/],
  ['{{.Name', /unclosed action$/],
  ['{{range .Mounts}}x', /missing \{\{end\}\} of \{\{range\}\}$/],
  ['{{end}}', /unexpected \{\{end\}\}$/],
  ['{{nosuch .Name}}', /function "nosuch" not defined$/],
  ['{{.Name @}}', /unexpected "@"/],
  ['{{$x}}', /undefined variable "\$x"$/],
  ['{{range .Mounts}}{{$m := .Source}}{{end}}{{$m}}', /undefined variable "\$m"$/],
  ['{{$a, $b := .Name}}', /too many declarations in "\$a, \$b := \.Name"$/],
  ['{{if .Name}}{{else range .Mounts}}{{end}}', /only \{\{else if\}\} and \{\{else with\}\} are understood$/],
];
for (const [template, message] of refused)
  test(`renderGoTemplate() refuses ${template}`, () => assert.throws(() => renderGoTemplate(template, ctr), message));

test('templateFields() names the fields in order', () => {
  assert.equal(templateFields('{{.ID}}\\t{{.Name}} {{json .Labels}}'), ['ID', 'Name', 'json .Labels']);
});

test.run();
