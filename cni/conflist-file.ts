/** Reading a network configuration file from disk (libcni's ConfListFromFile). */
import { readFile } from 'node:fs/promises';
import { CniError, ErrCode, toCniError } from './errors.js';
import { parseConfList, type NetworkConfigList } from './conflist.js';

/**
 * Reads and parses a `.conflist` (or single-plugin `.conf`) file.
 * @throws {CniError} ErrCode.IOFailure (5) when it cannot be read; else as parseConfList, the message
 *   naming the file
 */
export async function loadConfList(path: string): Promise<NetworkConfigList> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CniError(
      ErrCode.IOFailure,
      `cannot read network configuration ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    return parseConfList(text);
  } catch (err) {
    const e = toCniError(err);
    throw new CniError(e.code, `cannot load network configuration ${JSON.stringify(path)}: ${e.message}`, e.details);
  }
}
