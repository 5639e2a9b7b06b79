/**
 * `-p` values checked before anything is made, refused in the docker CLI's words (nat.ParsePortSpec's
 * `Invalid containerPort: X.`) with its pointer to the help, as `docker run`/`create` do (exit 125).
 */
import { parsePublish } from '../runtime/network/plan.js';
import { UsageError } from './errors.js';

const DOCKER_WORDING: Array<[RegExp, string]> = [
  [/^invalid port "[^"]*": container port "?([^" ]*)"? is .*$/, 'Invalid containerPort: $1.'],
  [/^invalid port "[^"]*": host port "?([^" ]*)"? is .*$/, 'Invalid hostPort: $1.'],
  [/^invalid port "[^"]*": host address "([^"]*)" is not an IP address$/, 'Invalid ip address: $1.'],
  [/^invalid port "[^"]*": protocol "([^"]*)" is not .*$/, 'Invalid proto: $1.'],
  [/^invalid ranges specified (.*)$/, 'Invalid ranges specified $1.'],
];

/** Berth's refusal of a -p value in the docker CLI's words (unchanged where docker has none). */
export function dockerPortWording(message: string): string {
  const rule = DOCKER_WORDING.find(([pattern]) => pattern.test(message));
  return rule ? message.replace(rule[0], rule[1]) : message;
}

/** @throws {UsageError} (a refused flag: exit 125) naming the first bad `-p` value */
export function checkPublish(specs: readonly string[], command: string): void {
  try {
    parsePublish(specs);
  } catch (err) {
    throw new UsageError(`${dockerPortWording((err as Error).message)}\nSee 'berth ${command} --help'.`, true);
  }
}
