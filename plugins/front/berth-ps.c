/*
 * `berth ps`'s reading, done in the front: the summary line that starts every container record
 * (runtime/record-text.ts) is read here and handed to the Bun program as one JSON array in a
 * pipe, whose number is in BERTH_PS_SUMMARIES_FD. Opening and reading hundreds of small files
 * costs a third as much CPU in C as through node:fs in an interpreter without the JIT
 * (docs/internals/speed.md). A record without a whole summary line within the first 4 KB is named
 * by its id (a JSON string) and read by the Bun program; anything unexpected gives no array at all.
 * The array comes through a pipe from a child of the front, which reads while Bun starts.
 */
#define _GNU_SOURCE
#include "front.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUMMARY_READ 4096
#define SUMMARY_KEY "{\"Ps\":"

struct text {
  char *data;
  size_t len, cap;
};

static int append(struct text *t, const char *s, size_t n) {
  if (t->len + n > t->cap) {
    size_t cap = t->cap ? t->cap : 1 << 16;
    while (cap < t->len + n) cap *= 2;
    char *grown = realloc(t->data, cap);
    if (!grown) return 0;
    t->data = grown, t->cap = cap;
  }
  memcpy(t->data + t->len, s, n);
  t->len += n;
  return 1;
}

/* Whether `id` goes into a JSON string as it is: the record dirs are hex ids; anything else is left to the Bun program. */
static int plain(const char *id) {
  for (; *id; id++)
    if ((unsigned char)*id < 0x20 || *id == '"' || *id == '\\') return 0;
  return 1;
}

/* The summary of each record in `root`/containers appended to `out` as a JSON array; 0 if it cannot be. */
static int collect(const char *root, struct text *out) {
  char path[4096], buf[SUMMARY_READ];
  snprintf(path, sizeof path, "%s/containers", root);
  int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return append(out, "[]", 2);
  DIR *dir = fdopendir(dirfd);
  if (!dir) return close(dirfd), 0;
  int ok = append(out, "[", 1), first = 1;
  for (struct dirent *e; ok && (e = readdir(dir));) {
    if (e->d_name[0] == '.') continue;
    if (!plain(e->d_name)) {
      ok = 0;
      break;
    }
    snprintf(path, sizeof path, "%s/config.json", e->d_name);
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue; /* half made or half removed, as runtime/store.ts skips it */
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) continue;
    const char *nl = memchr(buf, '\n', (size_t)n);
    size_t key = strlen(SUMMARY_KEY);
    if (!first && !append(out, ",", 1)) ok = 0;
    first = 0;
    if (nl && (size_t)(nl - buf) > key + 1 && memcmp(buf, SUMMARY_KEY, key) == 0 && nl[-1] == ',')
      ok = ok && append(out, buf + key, (size_t)(nl - 1 - buf) - key);
    else
      ok = ok && append(out, "\"", 1) && append(out, e->d_name, strlen(e->d_name)) && append(out, "\"", 1);
  }
  closedir(dir);
  return ok && append(out, "]", 1);
}

void berth_ps_summaries(const char *root) {
  int p[2];
  if (pipe2(p, 0) != 0) return;
  /* A child reads while this process execs Bun, whose start is most of a ps: the reading is off
     the path on a second CPU. Bun reads the pipe to its end; an empty one means "read them yourself". */
  pid_t child = fork();
  if (child < 0) {
    close(p[0]), close(p[1]);
    return;
  }
  if (child == 0) {
    close(p[0]);
    for (int fd = 0; fd < 3; fd++) close(fd); /* never holds the caller's pipes open */
    struct text out = {NULL, 0, 0};
    if (collect(root, &out))
      for (size_t done = 0; done < out.len;) {
        ssize_t n = write(p[1], out.data + done, out.len - done);
        if (n <= 0) break;
        done += (size_t)n;
      }
    _exit(0);
  }
  close(p[1]);
  fcntl(p[0], F_SETFD, 0);
  char number[16];
  snprintf(number, sizeof number, "%d", p[0]);
  setenv("BERTH_PS_SUMMARIES_FD", number, 1);
}
