/**
 * The one error type of the volume surface. Every failure reaches dockerd (or `berth volume`) as
 * `{"Err": message}` with `status` as the HTTP status: 400 for a request that cannot be read,
 * 404 for an unknown endpoint, 405 for a method other than POST, 413 for an oversized body, 500
 * for a request the driver refuses or cannot carry out.
 */
export class VolumeError extends Error {
  constructor(
    message: string,
    readonly status = 500,
  ) {
    super(message);
    this.name = 'VolumeError';
  }
}

/** Status codes used on the wire, by meaning. */
export const Status = {
  OK: 200,
  BadRequest: 400,
  NotFound: 404,
  MethodNotAllowed: 405,
  TooLarge: 413,
  Failed: 500,
} as const;

/**
 * Describes a Node fs error as `syscall "path": CODE` (e.g. `mkdir "/v/_data": EACCES`), other
 * errors by their message. Used after a `:` in messages such as `cannot create volume "v": ...`.
 */
export function describeCause(err: unknown): string {
  if (err instanceof VolumeError) return err.message;
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string')
    return e.path ? `${e.syscall} ${JSON.stringify(e.path)}: ${e.code}` : `${e.syscall}: ${e.code}`;
  return err instanceof Error ? err.message : String(err);
}

/** `cannot <action> volume "<name>": <cause>`; a VolumeError keeps its status. */
export function volumeFailure(action: string, name: string, cause: unknown): VolumeError {
  const status = cause instanceof VolumeError ? cause.status : Status.Failed;
  return new VolumeError(`cannot ${action} volume ${JSON.stringify(name)}: ${describeCause(cause)}`, status);
}
