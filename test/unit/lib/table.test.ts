import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderTable } from '../../../lib/table';

test('renderTable() pads every column but the last, with the gap asked for', () => {
  const rows = [
    ['web', '10.89.0.0/24', ''],
    ['backend-long', '10.89.1.0/24', 'x'],
  ];
  assert.is(
    renderTable(['NAME', 'SUBNET', 'L'], rows, 2),
    'NAME          SUBNET        L\nweb           10.89.0.0/24\nbackend-long  10.89.1.0/24  x',
  );
  assert.is(renderTable(['A', 'B'], [['xy', 'z']], 3), 'A    B\nxy   z');
});

test('renderTable() takes a missing cell as empty', () => {
  assert.is(renderTable(['A', 'B'], [['x']], 2), 'A  B\nx');
});

test.run();
