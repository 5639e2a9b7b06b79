/* See json.h. Iterative, so a deeply nested input costs memory in proportion to its length, never stack. */
#include "json.h"
#include <stdlib.h>
#include <string.h>

struct cursor {
  const unsigned char *p, *end;
};

static void skip_space(struct cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hex(unsigned char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

static void put(struct json_str *out, unsigned code) {
  if (code > 0x7f) out->ascii = 0;
  if (out->len < sizeof out->text) out->text[out->len++] = code > 0x7f ? (char)0xff : (char)code;
  else out->truncated = 1;
}

/* A string from its opening quote; decoded into `out` (escapes resolved). Returns 0 when invalid. */
static int scan_string(struct cursor *c, struct json_str *out) {
  out->len = 0, out->ascii = 1, out->truncated = 0;
  for (c->p++; c->p < c->end; c->p++) {
    unsigned char ch = *c->p;
    if (ch == '"') {
      c->p++;
      return 1;
    }
    if (ch < 0x20) return 0;
    if (ch != '\\') {
      put(out, ch); /* a byte past 0x7f is part of a character past U+007F, valid or replaced */
      continue;
    }
    if (++c->p == c->end) return 0;
    const char *simple = strchr("\"\\/bfnrt", *c->p), *meaning = "\"\\/\b\f\n\r\t";
    if (*c->p != 0 && simple) {
      put(out, (unsigned char)meaning[simple - "\"\\/bfnrt"]);
      continue;
    }
    if (*c->p != 'u' || c->end - c->p < 5) return 0;
    unsigned code = 0;
    for (int i = 1; i <= 4; i++) {
      int h = hex(c->p[i]);
      if (h < 0) return 0;
      code = code * 16 + (unsigned)h;
    }
    put(out, code);
    c->p += 4;
  }
  return 0;
}

static int digits(struct cursor *c) {
  const unsigned char *start = c->p;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
  return c->p > start;
}

static int scan_number(struct cursor *c) {
  if (*c->p == '-') c->p++;
  if (c->p < c->end && *c->p == '0') c->p++;
  else if (!(c->p < c->end && *c->p >= '1' && *c->p <= '9') || !digits(c)) return 0;
  if (c->p < c->end && *c->p == '.' && (c->p++, !digits(c))) return 0;
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
    if (!digits(c)) return 0;
  }
  return 1;
}

static int scan_literal(struct cursor *c, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return 0;
  c->p += n;
  return 1;
}

struct json_scan json_scan(const char *text, size_t len, json_member_fn *member, void *ctx) {
  struct json_scan r = {0, 0, 0};
  struct cursor c = {(const unsigned char *)text, (const unsigned char *)text + len};
  char *stack = malloc(len + 1); /* '{' or '[' per open container; never deeper than the text is long */
  size_t depth = 0;
  static struct json_str key, value;
  if (!stack) return r;
  for (;;) {
    /* a value */
    skip_space(&c);
    if (c.p == c.end) goto out;
    enum json_type type = JSON_OTHER;
    if (*c.p == '{' || *c.p == '[') {
      if (depth == 0) r.is_object = *c.p == '{';
      stack[depth++] = (char)*c.p;
      if (depth > r.depth) r.depth = depth;
      c.p++;
      skip_space(&c);
      if (c.p < c.end && *c.p == (stack[depth - 1] == '{' ? '}' : ']')) {
        c.p++, depth--;
      } else if (stack[depth - 1] == '{') {
        goto member;
      } else {
        continue;
      }
    } else if (*c.p == '"') {
      if (!scan_string(&c, &value)) goto out;
      type = JSON_STRING;
    } else if (*c.p == '-' || (*c.p >= '0' && *c.p <= '9')) {
      if (!scan_number(&c)) goto out;
    } else if (!scan_literal(&c, "true") && !scan_literal(&c, "false") && !scan_literal(&c, "null")) {
      goto out;
    }
    /* after a value: report a top-level member, then a separator or the end of a container */
    if (depth == 1 && stack[0] == '{' && member) member(ctx, &key, type, type == JSON_STRING ? &value : NULL);
    for (;;) {
      skip_space(&c);
      if (depth == 0) {
        r.valid = c.p == c.end;
        goto out;
      }
      if (c.p == c.end) goto out;
      char open = stack[depth - 1];
      if (*c.p == (open == '{' ? '}' : ']')) {
        c.p++, depth--;
        if (depth == 1 && stack[0] == '{' && member) member(ctx, &key, JSON_OTHER, NULL);
        continue;
      }
      if (*c.p != ',') goto out;
      c.p++;
      if (open == '[') break;
      skip_space(&c);
    member:
      if (c.p == c.end || *c.p != '"') goto out;
      if (!scan_string(&c, depth == 1 ? &key : &value)) goto out;
      skip_space(&c);
      if (c.p == c.end || *c.p != ':') goto out;
      c.p++;
      break;
    }
  }
out:
  free(stack);
  if (!r.valid) r.is_object = 0;
  return r;
}
