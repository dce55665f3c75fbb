// ChatTemplate's built-in renderers against tests/model/data/chat_templates.json: the strings
// that transformers' apply_chat_template(add_generation_prompt=True) gave for the Jinja templates
// of ../shared/data/tokenizers/{qwen3,deepseek-v3} (made by
// tools/make_chat_template_expectations.py).
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json.h"
#include "model/chat_template.h"
#include "tokenizer_test_util.h"

namespace r1 {
namespace {

TEST(ChatTemplate, BuiltInRenderersMatchTheJinjaTemplates) {
  json data = load_json_file(std::string(R1_SOURCE_DIR) + "/tests/model/data/chat_templates.json");
  int checked = 0;
  for (const json& c : data.at("cases")) {
    ChatTemplate t = ChatTemplate::named(c.at("template"));
    t.system = c.at("system");
    t.enable_thinking = c.at("enable_thinking");
    t.completion_prefix = "";  // the Jinja output ends at the generation prompt
    EXPECT_EQ(t.render(c.at("question")), c.at("expected").get<std::string>()) << c.dump();
    ++checked;
  }
  EXPECT_EQ(checked, 18);
}

TEST(ChatTemplate, DefaultsByName) {
  ChatTemplate q = ChatTemplate::from_json({{"name", "qwen"}}, "cfg");
  EXPECT_EQ(q.completion_prefix, "<think>\n");
  EXPECT_EQ(q.end_of_turn, "<|im_end|>");
  EXPECT_EQ(q.render("Hi"), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n");
  ChatTemplate nt = ChatTemplate::from_json({{"name", "qwen"}, {"enable_thinking", false}}, "cfg");
  EXPECT_EQ(nt.completion_prefix, "");
  EXPECT_EQ(nt.render("Hi"),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  ChatTemplate d = ChatTemplate::from_json({{"name", "deepseek"}, {"system", "S"}}, "cfg");
  EXPECT_EQ(d.completion_prefix, "<think>\n");
  EXPECT_EQ(d.end_of_turn,
            "<\xef\xbd\x9c"
            "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>");
  EXPECT_EQ(d.render("Hi"),
            "<\xef\xbd\x9c"
            "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>S<\xef\xbd\x9cUser\xef\xbd\x9c>Hi"
            "<\xef\xbd\x9c"
            "Assistant\xef\xbd\x9c><think>\n");
  // The older templates keep their defaults.
  ChatTemplate c = ChatTemplate::from_json(json::object(), "cfg");
  EXPECT_EQ(c.name, "chatml");
  EXPECT_EQ(c.completion_prefix, "<think>");
  EXPECT_EQ(ChatTemplate::from_json({{"name", "plain"}}, "cfg").end_of_turn, "");
  // A config round-trips.
  ChatTemplate back = ChatTemplate::from_json(nt.to_json(), "cfg");
  EXPECT_EQ(back.render("Hi"), nt.render("Hi"));
}

// A worked solution ("<think>...") as the completion of a prompt that already ends with the
// completion prefix: what a verifier then sees (full_completion) holds "<think>" once, under
// every built-in template. qwen's and deepseek's prefix ends in a newline the solution does not
// have; a doubled "<think>" fails the format check, and SFT would teach it.
TEST(ChatTemplate, AWorkedSolutionCompletesThePromptsPrefixOnce) {
  const std::string solution = "<think>1+2 = 3</think><answer>3</answer>";
  for (const char* name : {"chatml", "qwen", "deepseek", "plain"}) {
    SCOPED_TRACE(name);
    const ChatTemplate t = ChatTemplate::from_json({{"name", name}}, "cfg");
    const std::string seen = t.full_completion(t.completion_of(solution));
    EXPECT_EQ(seen.find("<think>"), 0u) << seen;
    EXPECT_EQ(seen.find("<think>", 1), std::string::npos) << seen;
    EXPECT_NE(seen.find("1+2 = 3</think><answer>3</answer>"), std::string::npos) << seen;
    EXPECT_EQ(t.sft_target(solution), t.completion_of(solution) + t.end_of_turn);
  }
  const ChatTemplate q = ChatTemplate::from_json({{"name", "qwen"}}, "cfg");
  EXPECT_EQ(q.completion_of("<think>1+2 = 3</think>"), "1+2 = 3</think>");
  EXPECT_EQ(q.completion_of("<think>\n1+2 = 3</think>"), "1+2 = 3</think>");
  EXPECT_EQ(q.completion_of("<think> \n1+2 = 3</think>"), "1+2 = 3</think>");
  EXPECT_EQ(q.completion_of("<think>\n\n1+2"), "\n1+2");  // the whole prefix: only it goes
  EXPECT_EQ(q.completion_of("<answer>3</answer>"), "<answer>3</answer>");  // starts otherwise
  EXPECT_EQ(q.completion_of("<thinking>x"), "<thinking>x");
  const ChatTemplate c = ChatTemplate::from_json(json::object(), "cfg");
  EXPECT_EQ(c.completion_of("<think>\nx"), "\nx");  // chatml's prefix has no newline to drop
}

TEST(ChatTemplate, BadConfigsNameTheField) {
  try {
    ChatTemplate::from_json({{"name", "llama"}}, "run.json: field 'chat_template'");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'name'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("qwen"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ChatTemplate::from_json({{"name", "chatml"}, {"enable_thinking", false}}, "cfg"),
               Error);
  EXPECT_THROW(ChatTemplate::named("nope"), Error);
}

// The rendered prompts tokenize with the special tokens recognised.
TEST(ChatTemplate, RenderedPromptsTokenizeToSpecialTokens) {
  R1_REQUIRE_SHARED_TOKENIZER(q, "qwen3");
  auto ids = q->encode(ChatTemplate::named("qwen").render("What is 7*8?"));
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids.front(), 151644);          // <|im_start|>
  EXPECT_EQ(ids[ids.size() - 2], 151667);  // <think>, then "\n"
  R1_REQUIRE_SHARED_TOKENIZER(d, "deepseek-v3");
  auto dids = d->encode(ChatTemplate::named("deepseek").render("What is 7*8?"));
  ASSERT_FALSE(dids.empty());
  EXPECT_EQ(dids.front(), d->bos_id());
  EXPECT_EQ(d->special_id(ChatTemplate::named("deepseek").end_of_turn), d->eos_id());
}

}  // namespace
}  // namespace r1
