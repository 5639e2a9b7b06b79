/** An error that carries the exit code `berth` ends with (126/127 from the container's exec, 125 otherwise). */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
