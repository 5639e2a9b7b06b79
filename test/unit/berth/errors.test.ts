import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ExitError,
  OperandCountError,
  UsageError,
  errorLine,
  errorPrefix,
  exitCodeOf,
  operandError,
  requireArgs,
} from '../../../berth/errors';
import { SettingError } from '../../../runtime/errors';

// Docker 20.10's CLI: cobra's flag errors exit 125 everywhere; `run` exits 125 for its own errors,
// `create` only for what the CLI refuses itself (a flag's value), 1 for what its daemon refuses; every
// other error (operand counts, unknown commands, daemon errors) exits 1.
const cases: Array<[what: string, err: unknown, command: string | undefined, code: number]> = [
  ['an unknown flag of ps', new UsageError('unknown flag: --bogus', true), 'ps', 125],
  ['an unknown global flag', new UsageError('unknown flag: --bogus', true), undefined, 125],
  ['an operand count of exec', new UsageError('"berth exec" requires at least 2 arguments.'), 'exec', 1],
  ['an operand count of run', new OperandCountError('"berth run" requires at least 1 argument.'), 'run', 1],
  ['a bad -p value of create', new UsageError('invalid port "bogus": container port "bogus" is not a number'), 'create', 125],
  ['an unknown command', new UsageError("'bogus' is not a berth command."), undefined, 1],
  ['no such container for cp', new Error('No such container:path: w1:/nosuch'), 'cp', 1],
  ['no such image for run', new Error('No such image: nosuch'), 'run', 125],
  ['a name in use for create', new Error('Conflict. The container name "/w1" is already in use'), 'create', 1],
  ['a name in use for run', new Error('Conflict. The container name "/w1" is already in use'), 'run', 125],
  ['no such image for create', new Error('No such image: nosuch'), 'create', 1],
  ['a bad restart policy of create (dockerd refuses it)', new SettingError("invalid restart policy 'x'", 'daemon'), 'create', 1],
  [
    'a bad --dns value of create (its CLI refuses it)',
    new SettingError('invalid argument "x" for "--dns" flag: ...', 'flag'),
    'create',
    125,
  ],
  ['a string thrown', 'oops', 'start', 1],
  ["a command's own code", new ExitError('exec failed', 126), 'exec', 126],
  ['the code of run', new ExitError('', 137), 'run', 137],
];
for (const [what, err, command, code] of cases)
  test(`exitCodeOf(): ${what} exits ${code}`, () => assert.is(exitCodeOf(err, command), code));

test('operandError(): the usage block of a command with none of its own flags', () => {
  assert.is(
    operandError('network prune', 'accepts no arguments').message,
    `"berth network prune" accepts no arguments.\nSee 'berth network prune --help'.\n\nUsage:  berth network prune [OPTIONS]\n\nRemove all unused networks`,
  );
});

test("requireArgs() refuses too few (or, exact, other) operand counts in cobra's words", () => {
  requireArgs(['a', 'b'], 'exec', 2);
  requireArgs(['a'], 'logs', 1, true);
  const refused: Array<[args: string[], command: string, n: number, exact: boolean, message: string]> = [
    [
      [],
      'rm',
      1,
      false,
      `"berth rm" requires at least 1 argument.\nSee 'berth rm --help'.\n\nUsage:  berth rm [OPTIONS] CONTAINER [CONTAINER...]\n\nRemove one or more containers`,
    ],
    [
      ['a'],
      'exec',
      2,
      false,
      `"berth exec" requires at least 2 arguments.\nSee 'berth exec --help'.\n\nUsage:  berth exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nRun a command in a running container`,
    ],
    [
      ['a', 'b'],
      'logs',
      1,
      true,
      `"berth logs" requires exactly 1 argument.\nSee 'berth logs --help'.\n\nUsage:  berth logs [OPTIONS] CONTAINER\n\nFetch the logs of a container`,
    ],
    [
      ['a'],
      'network connect',
      2,
      true,
      `"berth network connect" requires exactly 2 arguments.\nSee 'berth network connect --help'.\n\nUsage:  berth network connect [OPTIONS] NETWORK CONTAINER\n\nConnect a container to a network`,
    ],
    // A command without a help entry: the two lines only.
    [[], 'gone', 1, false, `"berth gone" requires at least 1 argument.\nSee 'berth gone --help'.`],
  ];
  for (const [args, command, n, exact, message] of refused)
    assert.throws(
      () => requireArgs(args, command, n, exact),
      (err: unknown) => err instanceof UsageError && err.message === message && exitCodeOf(err, command) === 1,
      message,
    );
});

test("errorPrefix(): a missing object is 'Error: ' as the docker CLI words it, but in run and create; the rest 'berth: '", () => {
  assert.is(errorPrefix('No such container: x', 'logs'), 'Error: ');
  assert.is(errorPrefix('No such container:path: x:/etc', 'cp'), 'Error: ');
  assert.is(errorPrefix('No such image: x', 'history'), 'Error: ');
  assert.is(errorPrefix('No such image: x', 'run'), 'berth: ');
  assert.is(errorPrefix('No such container: x', 'create'), 'berth: ');
  assert.is(errorPrefix('Container x is not running', 'exec'), 'berth: ');
  assert.is(errorPrefix("No public port '80/tcp' published for x", 'port'), 'Error: ');
});

test("errorLine(): a refused flag value ends with cobra's pointer to the command's help, once", () => {
  const bad = 'invalid argument "x" for "-t, --time" flag: strconv.ParseInt: parsing "x": invalid syntax';
  assert.is(errorLine(bad, 'stop'), `berth: ${bad}\nSee 'berth stop --help'.`);
  assert.is(errorLine(`${bad}\nSee 'berth stop --help'.`, 'stop'), `berth: ${bad}\nSee 'berth stop --help'.`);
  assert.is(errorLine('Invalid signal: BOGUS', 'kill'), 'berth: Invalid signal: BOGUS');
});

test.run();
