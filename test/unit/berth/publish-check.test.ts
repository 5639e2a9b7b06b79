import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPublish, dockerPortWording } from '../../../berth/publish-check';
import { exitCodeOf } from '../../../berth/errors';

// Each pair: a -p value and the docker 20.10 CLI's refusal of it.
const refused: Array<[string, string]> = [
  ['bogus', 'Invalid containerPort: bogus.'],
  ['80:70000', 'Invalid containerPort: 70000.'],
  ['70000:80', 'Invalid hostPort: 70000.'],
  ['x:80', 'Invalid hostPort: x.'],
  ['1.2.3:80:80', 'Invalid ip address: 1.2.3.'],
  ['8080:80/xyz', 'Invalid proto: xyz.'],
  ['8080-8081:80-82', 'Invalid ranges specified for container and host Ports: 80-82 and 8080-8081.'],
];

test("checkPublish() refuses bad -p values in the docker CLI's words, exit 125", () => {
  for (const [spec, message] of refused)
    assert.throws(
      () => checkPublish(['80', spec], 'create'),
      (err: Error) => err.message === `${message}\nSee 'berth create --help'.` && exitCodeOf(err, 'create') === 125,
      spec,
    );
  checkPublish(['8080:80', '127.0.0.1::80/udp', '[::1]:8081:80', '9000-9001:90-91', '0:80'], 'run');
});

test('dockerPortWording() leaves a message docker has no words for', () => {
  assert.is(dockerPortWording('something else'), 'something else');
});

test.run();
