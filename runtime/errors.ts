/**
 * A refused container setting, and who refuses it in Docker: its CLI (`flag`: a value that does not
 * parse, an --env-file it cannot read) or its daemon (`daemon`: the rest). `create` exits 125 for the
 * first, 1 for the second, as docker's; `run` exits 125 for both.
 */
export class SettingError extends Error {
  constructor(
    message: string,
    readonly kind: 'flag' | 'daemon',
  ) {
    super(message);
  }
}

/** An error that carries the exit code `berth` ends with (126/127 from the container's exec, 125 otherwise). */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
