import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeYargsFailure, markOperands, refusesAnOption, unmark, unmarkArgv } from '../../../cli/args';

test('markOperands() drops the first -- and marks everything after it', () => {
  assert.equal(markOperands(['create', '--', 'foo']), ['create', '\0foo']);
  assert.equal(markOperands(['create', '--', '-dash', '--', 'x']), ['create', '\0-dash', '\0--', '\0x']);
  assert.equal(markOperands(['create', 'foo']), ['create', 'foo']);
});

test('unmark() and unmarkArgv() restore the operands', () => {
  assert.is(unmark('\0-x'), '-x');
  assert.equal(unmark(['\0a', 'b']), ['a', 'b']);
  const argv: Record<string, unknown> = { _: ['volume', '\0x'], name: '\0-dash', force: true };
  unmarkArgv(argv);
  assert.equal(argv, { _: ['volume', 'x'], name: '-dash', force: true });
});

const worded: Array<[message: string, args: string[], expected: string]> = [
  ['Unknown argument: dash', ['volume', 'create', '-dash'], 'unknown argument: -dash'],
  ['Unknown arguments: bogus-opt, bogusOpt', ['ls', '--bogus-opt=1'], 'unknown argument: --bogus-opt'],
  ['Unknown argument: thing', ['ls', '--no-thing'], 'unknown argument: --no-thing'],
  ['Unknown arguments: bogus, extra', ['bogus', 'extra'], 'unknown arguments: bogus, extra'],
  ['Unknown argument: \0create', ['\0create'], 'unknown argument: create'],
  ['Not enough arguments following: subnet', ['create', 'x', '--subnet'], 'option --subnet needs a value'],
  ['Not enough arguments following: o', ['create', '-o'], 'option -o needs a value'],
  ['Missing required argument: name', [], 'missing required argument: name'],
  [
    'Invalid values:\n  Argument: log-level, Given: "loud", Choices: "debug", "info"',
    [],
    'invalid value "loud" for --log-level: must be one of "debug", "info"',
  ],
];
for (const [message, args, expected] of worded)
  test(`describeYargsFailure() words ${JSON.stringify(message)}`, () => assert.is(describeYargsFailure(message, args), expected));

const refusals: Array<[description: string, refusesAnOption: boolean]> = [
  ['unknown argument: -dash', true],
  ['unknown arguments: --bogus-opt, -xy', true],
  ['unknown arguments: extra, --bogus', true],
  ['unknown argument: bogus', false],
  ['unknown arguments: bogus, extra', false],
  ['option -o needs a value', true],
  ['invalid value "loud" for --log-level: must be one of "debug", "info"', true],
  ['not enough non-option arguments: got 0, need at least 1', false],
  ['missing required argument: name', false],
];
for (const [description, expected] of refusals)
  test(`refusesAnOption(${JSON.stringify(description)}) is ${expected}`, () => assert.is(refusesAnOption(description), expected));

test.run();
