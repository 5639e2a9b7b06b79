/** `--env-file` of run, create and exec: the files read as Docker's opts.ParseEnvFile reads them. */
import { readFileSync } from 'node:fs';
import { goOpenError } from '../lib/go-errors.js';
import { parseEnvFile } from '../runtime/spec.js';

/**
 * Every line of `files` that sets a variable, in order (comments and blank lines left out).
 * @throws the error `refuse` makes of Go's words for a file that cannot be read (`open F: no such file or directory`)
 */
export function readEnvFiles(files: readonly string[], refuse: (message: string) => Error): string[] {
  return files.flatMap((f) => {
    try {
      return parseEnvFile(readFileSync(f, 'utf8'));
    } catch (err) {
      throw refuse(goOpenError(f, err));
    }
  });
}
