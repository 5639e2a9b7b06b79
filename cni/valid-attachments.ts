/** The valid-attachments list of a CNI 1.1 GC call, checked once before anything is removed. */
import { CniError, ErrCode } from './errors.js';
import type { Attachment } from './types.js';

/**
 * `cni.dev/valid-attachments` (libcni), or `cni.dev/attachments` (spec-v1.1.0 text). A missing or
 * malformed list is refused with code 7 before any plugin removes anything: read as "none are
 * valid", it would tear down every running container of the network.
 */
export function validAttachments(config: Record<string, unknown>): Attachment[] {
  const list: unknown = config['cni.dev/valid-attachments'] ?? config['cni.dev/attachments'];
  if (!Array.isArray(list))
    throw new CniError(
      ErrCode.InvalidNetworkConfig,
      'invalid GC request: "cni.dev/valid-attachments" must be a list of {containerID, ifname}',
    );
  list.forEach((a: Partial<Attachment>, i) => {
    if (!a || typeof a.containerID !== 'string' || typeof a.ifname !== 'string')
      throw new CniError(
        ErrCode.InvalidNetworkConfig,
        `invalid GC request: "cni.dev/valid-attachments" entry ${i} needs "containerID" and "ifname" strings`,
      );
  });
  return list as Attachment[];
}
