/*
 * shim.json, what `berth ps`, `inspect`, `wait` and the exec front read of a supervised container:
 * replaced whole by a rename, so that no reader sees half of it. Creating the temporary file is a
 * directory entry on the state dir's filesystem; status_prepare makes it ahead, while the
 * container builds its root or runs, so that a status on the container's path is a write and a
 * rename (docs/internals/speed.md).
 */
#include "supervisor.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int next_fd = -1;

void state_path(char *out, size_t len, const char *name) { snprintf(out, len, "%s/%s", sup.s.state, name); }

static void json_escape(char *out, size_t len, const char *in) {
  size_t o = 0;
  for (; *in && o + 7 < len; in++) {
    unsigned char c = (unsigned char)*in;
    if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
    else if (c < 0x20) o += (size_t)snprintf(out + o, 7, "\\u%04x", c);
    else out[o++] = (char)c;
  }
  out[o] = 0;
}

void status_prepare(void) {
  char tmp[4096];
  if (next_fd >= 0) return;
  state_path(tmp, sizeof tmp, "shim.json.tmp");
  next_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

void write_status(const char *status, int exit_code) {
  char text[4096], err[2048], tmp[4096], path[4096];
  json_escape(err, sizeof err, sup.error_msg);
  int n = snprintf(text, sizeof text,
                   "{\"shimPid\":%d,\"status\":\"%s\",\"pid\":%d,\"exitCode\":%d,\"startedAt\":\"%s\",\"finishedAt\":\"%s\",\"restartCount\":%d,\"error\":\"%s\"}\n",
                   getpid(), status, sup.child, exit_code, sup.started_at, sup.finished_at, sup.restart_count, err);
  if (n >= (int)sizeof text) n = (int)sizeof text - 1;
  status_prepare();
  if (next_fd < 0) return;
  int ok = write_all(next_fd, text, (size_t)n) == 0;
  close(next_fd);
  next_fd = -1;
  state_path(tmp, sizeof tmp, "shim.json.tmp");
  state_path(path, sizeof path, "shim.json");
  if (ok) rename(tmp, path);
}
