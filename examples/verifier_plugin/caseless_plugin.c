/* An example verifier plugin, in plain C: "caseless" accepts an answer equal to task.answer
 * when case and surrounding whitespace are ignored ("Paris" == " paris "). Build it as a
 * shared library against verifiers/plugin/plugin_abi.h and load it with
 *
 *     r1 verify --verifier-plugin ./libcaseless.so --verifier caseless < in.jsonl
 *
 * Options: {"tag": "answer"} names the tag that holds the answer (default "answer").
 * See docs/custom_verifiers.md.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifiers/plugin/plugin_abi.h"

typedef struct caseless {
  char open[40];
  char close[40];
} caseless;

/* A tiny reader for the one option we take; a real plugin would use a JSON library. */
static void* caseless_create(const char* options_json, const char** error) {
  caseless* c = (caseless*)calloc(1, sizeof *c);
  const char* tag = "answer";
  char buf[32];
  const char* p = strstr(options_json, "\"tag\"");
  if (c == NULL) return NULL;
  if (p != NULL) {
    p = strchr(p + 5, '"');
    if (p == NULL || sscanf(p + 1, "%31[a-z_]", buf) != 1) {
      *error = "option 'tag' must be a lowercase tag name";
      free(c);
      return NULL;
    }
    tag = buf;
  } else if (strcmp(options_json, "{}") != 0) {
    *error = "unknown option (caseless takes only 'tag')";
    free(c);
    return NULL;
  }
  snprintf(c->open, sizeof c->open, "<%s>", tag);
  snprintf(c->close, sizeof c->close, "</%s>", tag);
  return c;
}

static void caseless_destroy(void* instance) {
  free(instance);
}

/* Compares [a, a+na) and [b, b+nb) ignoring ASCII case and surrounding whitespace. */
static int same_caseless(const char* a, size_t na, const char* b, size_t nb) {
  size_t i;
  while (na > 0 && isspace((unsigned char)*a)) {
    ++a;
    --na;
  }
  while (na > 0 && isspace((unsigned char)a[na - 1])) --na;
  while (nb > 0 && isspace((unsigned char)*b)) {
    ++b;
    --nb;
  }
  while (nb > 0 && isspace((unsigned char)b[nb - 1])) --nb;
  if (na != nb) return 0;
  for (i = 0; i < na; ++i) {
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
  }
  return 1;
}

/* The first place at or after `from` where `needle` starts inside [text, text+len), or NULL.
 * Bounded by len, not by a NUL: model output may hold NUL bytes, and a search that stops at
 * one would cut the answer there ("Paris\0 or maybe Lyon" read as "Paris"). */
static const char* find_bytes(const char* text, size_t len, const char* from, const char* needle) {
  size_t n = strlen(needle);
  const char* last = text + len;
  for (; from + n <= last; ++from)
    if (memcmp(from, needle, n) == 0) return from;
  return NULL;
}

/* Thread-safe: reads only the instance, writes only `out`. */
static int caseless_verify(void* instance, const r1_task_v1* task, const char* completion,
                           size_t completion_len, r1_verdict_v1* out) {
  const caseless* c = (const caseless*)instance;
  const char* start = NULL;
  const char* end;
  const char* hit = completion;
  /* The last <answer> block, up to its </answer> or the end of the completion. */
  while ((hit = find_bytes(completion, completion_len, hit, c->open)) != NULL) {
    hit += strlen(c->open);
    start = hit;
  }
  if (start == NULL) {
    snprintf(out->reason, sizeof out->reason, "no_answer");
    return 0;
  }
  end = find_bytes(completion, completion_len, start, c->close);
  if (end == NULL) end = completion + completion_len;
  out->format_ok = 1;
  if (same_caseless(start, (size_t)(end - start), task->answer, strlen(task->answer))) {
    out->score = 1.0;
    out->correct = 1;
    snprintf(out->reason, sizeof out->reason, "ok");
  } else {
    size_t n = (size_t)(end - start) < 60 ? (size_t)(end - start) : 60;
    size_t i;
    out->details_json = (char*)malloc(n * 6 + 32);
    if (out->details_json != NULL) {
      /* {"got": "..."} with everything but plain printable ASCII escaped. */
      char* w = out->details_json + sprintf(out->details_json, "{\"got\": \"");
      for (i = 0; i < n; ++i) {
        unsigned char ch = (unsigned char)start[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
          *w++ = (char)ch;
        else
          w += sprintf(w, "\\u%04x", ch);
      }
      strcpy(w, "\"}");
    }
    snprintf(out->reason, sizeof out->reason, "wrong_answer");
  }
  return 0;
}

static void caseless_free(char* s) {
  free(s);
}

#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
int r1_register_verifiers(const r1_host_v1* host) {
  r1_verifier_v1 v;
  if (host->abi_version < 1) return 1;
  v.name = "caseless";
  v.create = caseless_create;
  v.destroy = caseless_destroy;
  v.verify = caseless_verify;
  v.free_string = caseless_free;
  return host->add_verifier(host->host_data, &v);
}
