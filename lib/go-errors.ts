/** Go's wording of file errors, which docker's messages carry. Pure. */

// syscall.Errno's texts (zerrors_linux.go) for the codes a file open meets.
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
};

/** os.Open's PathError: `open PATH: no such file or directory`; node's own text for other errors. */
export function goOpenError(path: string, err: unknown): string {
  const text = ERRNO_TEXT[(err as NodeJS.ErrnoException)?.code ?? ''];
  return `open ${path}: ${text ?? (err instanceof Error ? err.message : String(err))}`;
}
