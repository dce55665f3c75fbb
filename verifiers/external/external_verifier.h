// The `external` verifier: a user program, in any language, that speaks JSON lines.
//
//   request  (one line on the program's stdin):
//     {"id": 7, "task": {...Task JSON...}, "completion": "..."}
//   reply    (one line on its stdout, flushed):
//     {"id": 7, "score": 1.0, "correct": true, "format_ok": true, "reason": "ok", "details": {}}
//
// "id" must be echoed; "score" (in [0, 1]) or "correct" is required, the rest optional ("correct"
// defaults to score >= 1). The program is started on first use and kept running; when one that
// served earlier requests exits or answers out of step, the request is asked again of a fresh
// copy (the failure may be its own: a program that exits after each reply, a stray print). A
// request that takes longer than timeout_ms kills the program; the first request of a copy just
// started has startup_ms more, for its imports (the gold control often runs on one).
// A timeout, a crash or a malformed reply is a verdict with verifier_error = true and reason
// "external_timeout", "external_crashed" or "external_bad_reply", which verify_guarded may blame on
// the completion when the task's gold answer passes (verifier.h). The completion is sent as valid
// UTF-8 (U+FFFD for each invalid byte) on an ASCII line; the byte ranges of details.wrong_spans are
// read as ranges of that text and mapped back onto the completion's bytes.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "verifiers/verifier.h"

namespace r1 {

struct ExternalVerifierOptions : FieldListed<ExternalVerifierOptions> {
  std::vector<std::string> command;  // argv; a string option runs through /bin/sh -c
  int timeout_ms = 10000;            // per request
  int startup_ms = 10000;            // added to the first request of a copy just started
  int processes = 1;                 // concurrent copies of the program
  std::string name = "external";     // reported as Verifier::name()

  // {"command": [..] | "...", "timeout_ms", "startup_ms", "processes", "name"}
  static const ConfigFields<ExternalVerifierOptions>& fields();  // name, default, check, help
};

std::unique_ptr<Verifier> make_external_verifier(const ExternalVerifierOptions& options);
std::unique_ptr<Verifier> make_external_verifier(const json& options);

// Registers `name` as an external verifier with these options (options.name is set to name).
void register_external_verifier(const std::string& name, ExternalVerifierOptions options);

}  // namespace r1
