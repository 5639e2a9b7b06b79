/*
 * A strict JSON scanner for the front (front.c): it accepts exactly what JSON.parse accepts
 * (RFC 8259, any depth) and reports the members of a top-level object, decoded, to a callback.
 */
#ifndef BERTH_FRONT_JSON_H
#define BERTH_FRONT_JSON_H
#include <stddef.h>

/* A decoded string, as much of it as fits; `ascii` is 0 when it holds any character past U+007F. */
struct json_str {
  char text[256];
  size_t len;
  int ascii, truncated;
};

enum json_type { JSON_STRING, JSON_OTHER };

/* Called for each member of a top-level object, in order; `value` is set for a string only. */
typedef void json_member_fn(void *ctx, const struct json_str *key, enum json_type type, const struct json_str *value);

/* What a scan found. */
struct json_scan {
  int valid;     /* the whole text is one JSON value with only whitespace around it */
  int is_object; /* that value is an object */
  size_t depth;  /* its deepest nesting of arrays and objects */
};

struct json_scan json_scan(const char *text, size_t len, json_member_fn *member, void *ctx);

#endif
