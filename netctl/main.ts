import { runCli } from './cli.js';

runCli(process.argv.slice(2), {
  env: process.env,
  self: process.argv[1],
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
}).then((code) => {
  process.exitCode = code;
});
