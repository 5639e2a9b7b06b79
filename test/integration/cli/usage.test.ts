import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_HELP } from '../../../berth/help';
import { BIN_DIR, run, withTempDir } from '../../helpers/sandbox';

/**
 * The conventions every Berth CLI shares (cli/yargs.ts), checked on each command of each one: help
 * wrapped at word boundaries, an option without its value refused, one wording for usage errors.
 * Nothing here needs root: every case fails (or shows help) before any state is touched.
 */
const test = suite('Berth CLIs: help, missing values, usage wording (built executables)');

const CLIS: Array<{ exe: string; commands: string[][] }> = [
  {
    exe: 'netctl',
    commands: [[], ['create'], ['ls'], ['inspect'], ['rm'], ['prune'], ['attach'], ['detach'], ['check'], ['gc'], ['status']],
  },
  {
    exe: 'berth',
    commands: [
      [],
      ['volume'],
      ['volume', 'create'],
      ['volume', 'ls'],
      ['volume', 'inspect'],
      ['volume', 'rm'],
      ['volume', 'prune'],
      ['volume', 'release'],
    ],
  },
  { exe: 'berth-volumed', commands: [[]] },
];

/** Help as a program sees it with no terminal (80 columns), or under a terminal of `columns`. */
function help(exe: string, args: string[], columns?: number): string {
  const key = [exe, ...args, columns].join(' ');
  return (shown[key] ??= helpNow(exe, args, columns));
}
const shown: Record<string, string> = {};

function helpNow(exe: string, args: string[], columns: number | undefined): string {
  const argv = [join(BIN_DIR, exe), ...args, '--help'];
  if (columns === undefined) return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' }).stdout;
  const quoted = argv.map((a) => `'${a}'`).join(' ');
  // The terminal carries stderr too: Node's warnings (NO_COLOR beside FORCE_COLOR, set by the test runner) stay out.
  const r = spawnSync('script', ['-qec', `stty cols ${columns}; ${quoted} 2>/dev/null`, '/dev/null'], { encoding: 'utf8' });
  return r.stdout.replace(/\r/g, '');
}

const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');

/** The options of a help text that take a value: every option block without "[boolean]". */
function valueOptions(text: string): string[] {
  const blocks = text.split('\n').reduce<string[]>((acc, line) => {
    if (/^ {2,}(-\w, )?--[\w-]+/.test(line)) acc.push(line);
    else if (acc.length > 0 && /^ {6,}\S/.test(line)) acc[acc.length - 1] += ` ${line.trim()}`;
    return acc;
  }, []);
  return blocks.filter((b) => !b.includes('[boolean]')).map((b) => /--([\w-]+)/.exec(b)![1]);
}

test('help wraps at word boundaries: 80 columns without a terminal, the same words at 80 and 100 columns', () => {
  for (const { exe, commands } of CLIS)
    for (const args of commands) {
      const what = [exe, ...args].join(' ');
      const plain = help(exe, args);
      assert.ok(plain.length > 0, what);
      for (const line of plain.split('\n')) assert.ok(line.length <= 80, `${what}: ${JSON.stringify(line)}`);
      // Wrapping that never cuts a word keeps the same words in the same order at any width.
      assert.equal(words(help(exe, args, 80)), words(plain), `${what} at 80 columns`);
      assert.equal(words(help(exe, args, 100)), words(plain), `${what} at 100 columns`);
    }
  const attach = help('netctl', ['attach']);
  for (const word of ['namespace', '8080:80', '[[HOSTIP:]HOSTPORT:]CONTAINERPORT[/tcp|udp|sctp];'])
    assert.ok(words(attach).includes(word), word);
  assert.ok(words(help('netctl', [])).includes('/opt/cni/bin]'));
  assert.ok(words(help('netctl', [])).includes('namespaces'));
});

test('every option that takes a value refuses to go without one, in every command: exit 2 (berth: 125), nothing done', async () => {
  await withTempDir(async (dir) => {
    const cases: Array<{ exe: string; argv: string[]; option: string }> = [];
    const seen = new Set<string>();
    for (const { exe, commands } of CLIS)
      for (const args of commands)
        for (const option of valueOptions(help(exe, args))) {
          if (seen.has(`${exe} --${option}`)) continue; // a global option: checked once
          seen.add(`${exe} --${option}`);
          // The positionals the command needs, so that only the missing value is wrong.
          const operands =
            {
              create: ['x1'],
              inspect: ['x1'],
              rm: ['x1'],
              attach: ['x1', 'c1'],
              detach: ['x1', 'c1'],
              check: ['x1', 'c1'],
              status: ['x1'],
              release: ['x1'],
            }[args.at(-1) ?? ''] ?? [];
          const global = exe === 'netctl' && option !== 'config-dir' ? ['--config-dir', dir] : [];
          cases.push({ exe, option, argv: [...args, ...operands, ...global, `--${option}`] });
        }
    // Also before another option, the case yargs took for an empty value.
    cases.push({ exe: 'netctl', option: 'subnet', argv: ['create', 'x1', '--subnet', '--internal', '--config-dir', dir] });
    assert.ok(cases.length >= 25, `${cases.length} options checked`);
    for (let i = 0; i < cases.length; i += 4)
      await Promise.all(
        cases.slice(i, i + 4).map(async ({ exe, option, argv }) => {
          const r = await run(join(BIN_DIR, exe), argv);
          // berth follows Docker's CLI: a refused flag exits 125, in its yargs commands (volume, image) too.
          const globalOption = exe === 'berth' && argv[0]?.startsWith('--');
          const want = globalOption
            ? { code: 125, stderr: `berth: flag needs an argument: --${option}\n` }
            : { code: exe === 'berth' ? 125 : 2, stderr: `${exe}: option --${option} needs a value\n` };
          assert.equal({ code: r.code, stderr: r.stderr }, want, `${exe} ${argv.join(' ')}`);
        }),
      );
    assert.equal(readdirSync(dir), [], 'nothing created');
  });
});

test('unknown arguments are worded alike and name what was typed: -dash is one option', async () => {
  const cases: Array<[exe: string, args: string[], stderr: string]> = [
    ['netctl', ['ls', '--bogus'], 'netctl: unknown argument: --bogus\n'],
    ['netctl', ['ls', '-dash'], 'netctl: unknown argument: -dash\n'],
    ['netctl', ['bogus'], 'netctl: unknown argument: bogus\n'],
    ['berth', ['volume', 'create', '-dash'], 'berth: unknown argument: -dash\n'],
    ['berth', ['volume', 'ls', '--bogus-opt=1', '-xy'], 'berth: unknown arguments: --bogus-opt, -xy\n'],
    ['berth-volumed', ['--bogus'], 'berth-volumed: unknown argument: --bogus\n'],
    ['berth-volumed', ['extra'], 'berth-volumed: unexpected argument: berth-volumed takes options only\n'],
  ];
  // berth's unknown options exit 125 as Docker's CLI's (cobra's flag errors); the others' exit 2.
  for (const [exe, args, stderr] of cases) {
    const code = exe === 'berth' ? 125 : 2;
    assert.equal(await run(join(BIN_DIR, exe), args), { code, stdout: '', stderr, json: undefined }, `${exe} ${args.join(' ')}`);
  }
  // An unknown command is no flag error: docker exits 1 for it, in its words.
  assert.equal(await run(join(BIN_DIR, 'berth'), ['bogus']), {
    code: 1,
    stdout: '',
    stderr: "berth: 'bogus' is not a berth command.\nSee 'berth --help'\n",
    json: undefined,
  });
});

test("berth: every container command answers --help and -h with docker's usage text, exit 0; no command: the usage on stderr, exit 0", async () => {
  const berth = join(BIN_DIR, 'berth');
  for (const [command, { usage, describe }] of Object.entries(COMMAND_HELP)) {
    const argv = command.split(' ');
    const r = await run(berth, [...argv, '--help']);
    assert.is(r.code, 0, command);
    assert.is(r.stderr, '', command);
    assert.ok(r.stdout.startsWith(`\nUsage:  berth ${usage}\n\n${describe}\n`), `${command}: ${r.stdout}`);
    // -h is --hostname in run and create, as in docker
    if (command !== 'run' && command !== 'create') assert.is((await run(berth, [...argv, '-h'])).stdout, r.stdout, `${command} -h`);
  }
  const bare = await run(berth, []);
  assert.equal({ code: bare.code, stdout: bare.stdout }, { code: 0, stdout: '' });
  assert.is(bare.stderr, help('berth', []));
});

test.run();
