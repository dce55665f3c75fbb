#include "model/chat_template.h"

#include "core/error.h"

namespace r1 {

namespace {
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}
}  // namespace

ChatTemplate ChatTemplate::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  ChatTemplate t;
  t.name = r.get<std::string>("name", t.name);
  t.system = r.get<std::string>("system", t.system);
  t.format = r.get<std::string>("format", t.format);
  t.completion_prefix = r.get<std::string>("completion_prefix", t.completion_prefix);
  t.end_of_turn = r.get<std::string>("end_of_turn", t.name == "plain" ? std::string() : t.end_of_turn);
  r.done();
  if (t.name != "chatml" && t.name != "plain" && t.name != "custom") {
    r.fail_field("name", cat("unknown chat template '", t.name, "' (known: chatml, plain, custom)"));
  }
  if (t.name == "custom" && t.format.find("{prompt}") == std::string::npos) {
    r.fail_field("format", "a custom template must contain {prompt}");
  }
  return t;
}

json ChatTemplate::to_json() const {
  json j = {{"name", name}, {"completion_prefix", completion_prefix}, {"end_of_turn", end_of_turn}};
  if (!system.empty()) j["system"] = system;
  if (!format.empty()) j["format"] = format;
  return j;
}

std::string ChatTemplate::render(const std::string& question) const {
  std::string body;
  if (name == "plain") {
    body = question + "\n";
  } else if (name == "custom") {
    body = replace_all(replace_all(format, "{system}", system), "{prompt}", question);
  } else {
    if (!system.empty()) body += "<|im_start|>system\n" + system + "<|im_end|>\n";
    body += "<|im_start|>user\n" + question + "<|im_end|>\n<|im_start|>assistant\n";
  }
  return body + completion_prefix;
}

std::string ChatTemplate::sft_target(const std::string& solution) const {
  std::string s = solution;
  if (!completion_prefix.empty() && s.compare(0, completion_prefix.size(), completion_prefix) == 0) {
    s = s.substr(completion_prefix.size());
  }
  return s + end_of_turn;
}

}  // namespace r1
