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

test('renderGoTemplate() refuses what it cannot evaluate', () => {
  assert.throws(() => renderGoTemplate('{{.Nope}}', data), /can't evaluate "\.Nope"/);
  assert.throws(() => renderGoTemplate('{{range .Labels}}x{{end}}', data), /can't evaluate/);
});

test('templateFields() names the fields in order', () => {
  assert.equal(templateFields('{{.ID}}\\t{{.Name}} {{json .Labels}}'), ['ID', 'Name', 'json .Labels']);
});

test.run();
