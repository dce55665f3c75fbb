#include "model/chat_template.h"

#include "core/error.h"
#include "model/bpe_tokenizer.h"

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

const char* const kKnown = "chatml, qwen, deepseek, plain, custom";
bool known(const std::string& name) {
  return name == "chatml" || name == "qwen" || name == "deepseek" || name == "plain" ||
         name == "custom";
}

// The special tokens of DeepSeek-V3's template (fullwidth bars, U+2581 for spaces).
const char* const kDeepseekBos = "<\uff5cbegin\u2581of\u2581sentence\uff5c>";
const char* const kDeepseekEos = "<\uff5cend\u2581of\u2581sentence\uff5c>";
const char* const kDeepseekUser = "<\uff5cUser\uff5c>";
const char* const kDeepseekAssistant = "<\uff5cAssistant\uff5c>";

std::string default_prefix(const std::string& name, bool enable_thinking) {
  if (name == "qwen") return enable_thinking ? "<think>\n" : "";
  if (name == "deepseek") return "<think>\n";
  return "<think>";
}

std::string default_end_of_turn(const std::string& name) {
  if (name == "plain") return "";
  if (name == "deepseek") return kDeepseekEos;
  return "<|im_end|>";
}
}  // namespace

ChatTemplate ChatTemplate::named(const std::string& name) {
  if (!known(name)) fail("unknown chat template '", name, "' (known: ", kKnown, ")");
  ChatTemplate t;
  t.name = name;
  t.completion_prefix = default_prefix(name, t.enable_thinking);
  t.end_of_turn = default_end_of_turn(name);
  return t;
}

ChatTemplate ChatTemplate::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  ChatTemplate t;
  t.name = r.get<std::string>("name", t.name);
  if (!known(t.name))
    r.fail_field("name", cat("unknown chat template '", t.name, "' (known: ", kKnown, ")"));
  t.system = r.get<std::string>("system", t.system);
  t.format = r.get<std::string>("format", t.format);
  t.enable_thinking = r.get<bool>("enable_thinking", t.enable_thinking);
  t.completion_prefix =
      r.get<std::string>("completion_prefix", default_prefix(t.name, t.enable_thinking));
  t.end_of_turn = r.get<std::string>("end_of_turn", default_end_of_turn(t.name));
  r.done();
  if (t.name == "custom" && t.format.find("{prompt}") == std::string::npos) {
    r.fail_field("format", "a custom template must contain {prompt}");
  }
  if (t.name != "qwen" && !t.enable_thinking)
    r.fail_field("enable_thinking", "only the qwen template has it");
  return t;
}

json ChatTemplate::to_json() const {
  json j = {{"name", name}, {"completion_prefix", completion_prefix}, {"end_of_turn", end_of_turn}};
  if (!system.empty()) j["system"] = system;
  if (!format.empty()) j["format"] = format;
  if (name == "qwen") j["enable_thinking"] = enable_thinking;
  return j;
}

std::string ChatTemplate::render(const std::string& question) const {
  std::string body;
  if (name == "plain") {
    body = question + "\n";
  } else if (name == "custom") {
    body = replace_all(replace_all(format, "{system}", system), "{prompt}", question);
  } else if (name == "deepseek") {
    // The Jinja template writes bos, then the system prompt bare, then the turns.
    body = kDeepseekBos + system + kDeepseekUser + question + kDeepseekAssistant;
  } else {  // chatml, qwen
    if (!system.empty()) body += "<|im_start|>system\n" + system + "<|im_end|>\n";
    body += "<|im_start|>user\n" + question + "<|im_end|>\n<|im_start|>assistant\n";
    if (name == "qwen" && !enable_thinking) body += "<think>\n\n</think>\n\n";
  }
  return body + completion_prefix;
}

std::string ChatTemplate::render_turns(const std::vector<Turn>& turns) const {
  std::string sys = system;
  size_t first = 0;
  if (!turns.empty() && turns[0].role == "system") {
    sys = turns[0].content;
    first = 1;
  }
  if (first == turns.size()) fail("chat: the conversation has no user turn");
  for (size_t i = first; i < turns.size(); ++i) {
    const std::string& role = turns[i].role;
    if (role != "user" && role != "assistant") {
      fail("chat: turn ", i, " has role '", role,
           "'; after an optional leading system turn, roles are user and assistant");
    }
  }
  if (name == "custom" || name == "plain") {
    if (turns.size() - first != 1 || turns[first].role != "user")
      fail("chat: the ", name, " template takes one user turn (and an optional system turn)");
    ChatTemplate one = *this;
    one.system = sys;
    return one.render(turns[first].content);
  }
  std::string body;
  if (name == "deepseek") {
    body = kDeepseekBos + sys;
    for (size_t i = first; i < turns.size(); ++i) {
      if (turns[i].role == "user") {
        body += kDeepseekUser + turns[i].content;
      } else {
        body += kDeepseekAssistant + turns[i].content + end_of_turn;
      }
    }
    body += kDeepseekAssistant;
  } else {  // chatml, qwen
    if (!sys.empty()) body += "<|im_start|>system\n" + sys + "<|im_end|>\n";
    for (size_t i = first; i < turns.size(); ++i)
      body += "<|im_start|>" + turns[i].role + "\n" + turns[i].content + "<|im_end|>\n";
    body += "<|im_start|>assistant\n";
    if (name == "qwen" && !enable_thinking) body += "<think>\n\n</think>\n\n";
  }
  return body + completion_prefix;
}

std::string ChatTemplate::completion_of(const std::string& solution) const {
  if (completion_prefix.empty()) return solution;
  if (solution.starts_with(completion_prefix)) return solution.substr(completion_prefix.size());
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  std::string bare = completion_prefix;
  while (!bare.empty() && space(bare.back())) bare.pop_back();
  if (bare.empty() || bare.size() == completion_prefix.size() || !solution.starts_with(bare))
    return solution;
  size_t i = bare.size();
  while (i < solution.size() && space(solution[i])) ++i;
  return solution.substr(i);
}

std::string ChatTemplate::sft_target(const std::string& solution) const {
  return completion_of(solution) + end_of_turn;
}

ChatTemplate chat_template_for(const std::string& name, const Tokenizer& tok) {
  if (name != "auto") return ChatTemplate::named(name);
  const auto* bpe = dynamic_cast<const BpeTokenizer*>(&tok);
  return ChatTemplate::named(bpe && !bpe->chat_template_hint().empty() ? bpe->chat_template_hint()
                                                                       : "chatml");
}

int32_t end_of_turn_token(const ChatTemplate& chat, const Tokenizer& tok) {
  return chat.end_of_turn.empty() ? -1 : tok.special_id(chat.end_of_turn);
}

ChatTemplate chat_template_from_text(const std::string& text, const std::string& where) {
  const json j = !text.empty() && text[0] == '{' ? parse_json(text, where) : json{{"name", text}};
  return ChatTemplate::from_json(j, where);
}

}  // namespace r1
