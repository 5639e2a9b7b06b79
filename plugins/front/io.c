/* The front's stdin: read once, and handed on to the plugin when the front does not answer. */
#define _GNU_SOURCE
#include "front.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A terminal reads as empty, /dev/null as input (cni/process-io.ts). */
static int is_terminal(int fd) {
  struct stat st, null;
  return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && !(stat("/dev/null", &null) == 0 && st.st_rdev == null.st_rdev);
}

int read_stdin(struct input *in) {
  struct stat st;
  if (fstat(0, &st) != 0) return 0;
  if (is_terminal(0)) return 1;
  for (;;) {
    if (in->cap - in->len < 65536) {
      char *grown = realloc(in->text, in->cap * 2 + 65536);
      if (!grown) return in->len > 0;
      in->text = grown, in->cap = in->cap * 2 + 65536;
    }
    ssize_t n = read(0, in->text + in->len, in->cap - in->len);
    if (n > 0) {
      in->len += (size_t)n;
    } else if (n == 0) {
      return 1;
    } else if (errno == EAGAIN) {
      struct pollfd p = {0, POLLIN, 0};
      poll(&p, 1, -1);
    } else if (errno != EINTR) {
      /* Nothing read: the plugin meets the same error and reports it. Read in part (a pipe does not
         fail half way): what was read is the input. */
      return in->len > 0;
    }
  }
}

int restore_stdin(const struct input *in) {
  int fd = memfd_create("berth-stdin", 0);
  if (fd < 0) return 0;
  for (size_t at = 0; at < in->len;) {
    ssize_t n = write(fd, in->text + at, in->len - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    at += (size_t)n;
  }
  if (lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, 0) != 0) return 0;
  close(fd);
  return 1;
}
