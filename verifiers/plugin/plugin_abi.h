/* The stable C ABI for verifier plugins: shared libraries loaded at run time with
 * `--verifier-plugin lib.so`. A plugin may be written in C, C++, Rust, Zig, ... as long as
 * it exports
 *
 *     int r1_register_verifiers(const r1_host_v1* host);
 *
 * which calls host->add_verifier() once per verifier and returns 0 (nonzero = failure).
 * Only C types cross the boundary; a task arrives as C strings (and as JSON), a verdict goes
 * back in a plain struct. This header is C (and C++) and depends on nothing else of r1.cpp.
 * See docs/custom_verifiers.md for a worked example.
 */
#ifndef R1_VERIFIERS_PLUGIN_ABI_H
#define R1_VERIFIERS_PLUGIN_ABI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define R1_VERIFIER_ABI_VERSION 1
#define R1_VERIFIER_PLUGIN_ENTRY "r1_register_verifiers"
#define R1_REASON_MAX 64

/* One task, read-only, valid during the verify call. Strings are NUL-terminated UTF-8;
 * absent fields are "". meta_json is a JSON object; task_json is the whole task. */
typedef struct r1_task_v1 {
  const char* id;
  const char* family;
  const char* prompt;
  const char* answer;
  const char* verifier;
  int difficulty;
  const char* meta_json;
  const char* tests;
  const char* entry_point;
  const char* task_json;
} r1_task_v1;

/* Filled in by verify(). The host zeroes it first. */
typedef struct r1_verdict_v1 {
  double score;               /* in [0, 1] */
  int correct;                /* 0 or 1 */
  int format_ok;              /* 0 or 1 */
  int verifier_error;         /* 1: the verifier could not judge (not a wrong answer) */
  char reason[R1_REASON_MAX]; /* short code, NUL-terminated: "ok", "wrong_answer", ... */
  char* details_json;         /* optional JSON object, allocated by the plugin; the host
                                 releases it with free_string() */
} r1_verdict_v1;

typedef struct r1_verifier_v1 {
  const char* name; /* must stay valid while the library is loaded (a string literal) */
  /* Makes an instance from its options (a JSON object as text, "{}" when none). On failure
   * returns NULL and may point *error at a message that stays valid (a literal). */
  void* (*create)(const char* options_json, const char** error);
  void (*destroy)(void* instance);
  /* Judges one completion (completion_len bytes, may hold any bytes, NUL-terminated too).
   * Called from several threads at once: it must be thread-safe, must not throw or exit,
   * and must return quickly. Returns 0 on success; nonzero makes a verifier-error verdict. */
  int (*verify)(void* instance, const r1_task_v1* task, const char* completion,
                size_t completion_len, r1_verdict_v1* out);
  /* Frees details_json; may be NULL when details_json is never set. */
  void (*free_string)(char* s);
} r1_verifier_v1;

typedef struct r1_host_v1 {
  int abi_version; /* R1_VERIFIER_ABI_VERSION of the host */
  void* host_data;
  /* Registers a verifier (the struct is copied). Returns 0 on success. */
  int (*add_verifier)(void* host_data, const r1_verifier_v1* verifier);
} r1_host_v1;

typedef int (*r1_register_verifiers_fn)(const r1_host_v1* host);

#ifdef __cplusplus
}
#endif

#endif /* R1_VERIFIERS_PLUGIN_ABI_H */
