#include "sandbox/request.h"

namespace r1 {

const char* sandbox_mode_name(SandboxMode mode) {
  switch (mode) {
    case SandboxMode::Program:
      return "program";
    case SandboxMode::Command:
      return "command";
    case SandboxMode::Check:
      return "check";
    case SandboxMode::Cases:
      return "cases";
  }
  return "?";
}

namespace {
// Cuts at a UTF-8 boundary so the JSON stays valid text.
std::string cut(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t end = n;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "...";
}
}  // namespace

json SandboxResult::to_json(size_t output_chars) const {
  json j = {{"ok", ok},
            {"timed_out", timed_out},
            {"wall_s", wall_s},
            {"cpu_s", cpu_s},
            {"max_rss_kb", max_rss_kb}};
  if (!error.empty()) j["error"] = error;
  if (exited) j["exit_code"] = exit_code;
  if (signal) j["signal"] = signal;
  auto text = [&](const std::string& s) {
    return json(cut(s, output_chars)).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  if (!out.empty()) j["stdout"] = json::parse(text(out));
  if (!err.empty()) j["stderr"] = json::parse(text(err));
  if (out_truncated) j["stdout_truncated"] = true;
  if (err_truncated) j["stderr_truncated"] = true;
  if (!report_problem.empty()) j["report_problem"] = report_problem;
  return j;
}

}  // namespace r1
