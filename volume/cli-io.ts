/** What `berth volume` says and asks on the terminal: a report per name, a yes/no question. */
import { createInterface } from 'node:readline';
import { describeFailure } from './cli-format.js';

/** Runs `fn` for each name, reports failures on stderr, and fails at the end if any failed. */
export async function eachName(names: readonly string[], fn: (name: string) => Promise<void>): Promise<void> {
  const failures: string[] = [];
  for (const name of names)
    await fn(name).catch((err: Error) => {
      failures.push(err.message);
      process.stderr.write(`${describeFailure(err.message)}\n`);
    });
  if (failures.length > 0) process.exitCode = 1;
}

export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer: string = await new Promise((resolve) => rl.question(question, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
