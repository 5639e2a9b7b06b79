/* Frames on the attach socket, the json-file log with rotation, time stamps. */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int send_frame(int fd, int type, const void *data, uint32_t len) {
  unsigned char h[5] = { (unsigned char)type, len >> 24, len >> 16, len >> 8, len };
  if (write_all(fd, h, 5) < 0) return -1;
  return len ? write_all(fd, data, len) : 0;
}

/*
 * Docker's timestamp form: 2006-01-02T15:04:05.999999999Z, always 9 digits here. The date comes
 * from the days since 1970 (Howard Hinnant's civil_from_days): glibc's gmtime_r and strftime read
 * /etc/localtime first, a file open on the way to each start and exit.
 */
void rfc3339_now(char *out, size_t len) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
  long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153, day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  long long year = yoe + era * 400 + (month <= 2);
  snprintf(out, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", year, month, day, secs / 3600, secs / 60 % 60, secs % 60, ts.tv_nsec);
}

/* Exit code as Docker reports it: the process's own, or 128+N when signal N ended it. */
int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return EXIT_SETUP;
}

void log_open(struct log *l) {
  l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  struct stat st;
  l->size = (l->fd >= 0 && fstat(l->fd, &st) == 0) ? st.st_size : 0;
}

/* container.log -> container.log.1 -> ... -> container.log.(max_file-1); the oldest is dropped. */
static void log_rotate(struct log *l) {
  char from[4096], to[4096];
  close(l->fd);
  for (int i = l->max_file - 1; i >= 1; i--) {
    if (i == 1) snprintf(from, sizeof from, "%s", l->path);
    else snprintf(from, sizeof from, "%s.%d", l->path, i - 1);
    snprintf(to, sizeof to, "%s.%d", l->path, i);
    rename(from, to);
  }
  if (l->max_file <= 1) unlink(l->path);
  log_open(l);
}

/* One JSON record per line of output, as Docker's json-file driver writes them. */
static void log_record(struct log *l, const char *stream, const char *data, size_t len) {
  static char buf[16 * 1024 * 6 + 256];
  char ts[64];
  rfc3339_now(ts, sizeof ts);
  size_t o = (size_t)snprintf(buf, sizeof buf, "{\"log\":\"");
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)data[i];
    if (c == '"' || c == '\\') { buf[o++] = '\\'; buf[o++] = (char)c; }
    else if (c == '\n') { buf[o++] = '\\'; buf[o++] = 'n'; }
    else if (c == '\r') { buf[o++] = '\\'; buf[o++] = 'r'; }
    else if (c == '\t') { buf[o++] = '\\'; buf[o++] = 't'; }
    else if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(buf + o, 7, "\\u%04x", c);
    else buf[o++] = (char)c;
  }
  o += (size_t)snprintf(buf + o, sizeof buf - o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, ts);
  if (l->fd < 0) return;
  if (l->max_size > 0 && l->size > 0 && l->size + (long)o > l->max_size) log_rotate(l);
  if (write_all(l->fd, buf, o) == 0) l->size += (long)o;
}

void log_write(struct log *l, const char *stream, const char *data, size_t len) {
  while (len > 0) {
    const char *nl = memchr(data, '\n', len > 16384 ? 16384 : len);
    size_t n = nl ? (size_t)(nl - data) + 1 : (len > 16384 ? 16384 : len);
    log_record(l, stream, data, n);
    data += n;
    len -= n;
  }
}

/* Writes what `fd` takes now without blocking. Returns -1 when the reader is gone (the queue is
 * dropped, as Docker drops input the container no longer reads), else 0. */
int inq_flush(struct inq *q, int fd) {
  while (q->len > q->off) {
    ssize_t n = write(fd, q->buf + q->off, q->len - q->off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) { q->len = q->off = 0; return -1; }
    q->off += (size_t)n;
  }
  if (q->off == q->len) q->len = q->off = 0;
  return 0;
}

/* Queues `d` for the container's stdin: the supervisor never blocks on a container that is busy
 * writing its own output, which would wait for the supervisor to read it. */
int inq_push(struct inq *q, int fd, const void *d, size_t len) {
  if (fd < 0) return -1;
  if (q->off > 0 && q->len + len > q->cap) {
    memmove(q->buf, q->buf + q->off, q->len - q->off);
    q->len -= q->off;
    q->off = 0;
  }
  if (q->len + len > q->cap) {
    size_t cap = q->cap ? q->cap : 65536;
    while (cap < q->len + len) cap *= 2;
    char *b = realloc(q->buf, cap);
    if (!b) return -1;
    q->buf = b;
    q->cap = cap;
  }
  memcpy(q->buf + q->len, d, len);
  q->len += len;
  return inq_flush(q, fd);
}
