import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { tarDirectory } from '../../helpers/rootfs';
import { isRoot } from '../../helpers/sandbox';
import { withBerth } from '../../helpers/berth';

const test = suite('berth run IMAGE: images from the image store (berth image import)');
const it = isRoot ? test : test.skip;

it("runs an image's layers with its config: Cmd, Entrypoint rules, Env, WorkingDir, User; image rm is refused while a container uses it", async () => {
  await withBerth(async (b) => {
    const tar = tarDirectory(b.rootfs, join(b.root, '..', 'rootfs.tar'));
    const imported = await b(
      'image',
      'import',
      '-c',
      'ENV GREETING=hi',
      '-c',
      'WORKDIR /data',
      '-c',
      'USER app',
      '-c',
      'CMD ["cat", "hello.txt"]',
      tar,
      'bb:1',
    );
    assert.is(imported.code, 0, imported.stderr);
    const id = imported.stdout.trim();
    assert.equal(await b('run', '--rm', 'bb:1'), { code: 0, stdout: 'hello from the image\n', stderr: '', json: undefined });
    assert.is((await b('run', '--rm', 'bb:1', 'sh', '-c', 'echo $GREETING $(pwd) $(id -un)')).stdout, 'hi /data app\n');
    assert.is((await b('run', '--rm', '-u', 'root', id.slice(7, 19), 'id', '-u')).stdout, '0\n', 'by a short image ID');
    const created = (await b('create', '--name', 'user', 'bb:1')).stdout.trim();
    const info = JSON.parse((await b('inspect', 'user')).stdout)[0];
    assert.equal(
      [info.Id, info.Image, info.Config.Image, info.Config.Cmd, info.Config.WorkingDir],
      [created, id, 'bb:1', ['cat', 'hello.txt'], '/data'],
    );
    const refused = await b('image', 'rm', 'bb:1');
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /container [0-9a-f]{12} is using its referenced image/);
    assert.is((await b('rm', 'user')).code, 0);
    assert.is((await b('image', 'rm', 'bb:1')).code, 0);
    const gone = await b('run', 'bb:1');
    assert.equal([gone.code, gone.stderr], [125, 'berth: No such image: bb:1\n']);
  });
});

test.run();
