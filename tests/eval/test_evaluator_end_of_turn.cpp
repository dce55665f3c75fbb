// r1 eval stops a completion at the chat template's end of turn and judges the text before it,
// whatever the tokenizer's end-of-sequence token is: a base model (Qwen3-Base ends sequences with
// "<|endoftext|>") that writes "<|im_end|>" and then a made-up next turn has ended its answer.
#include <gtest/gtest.h>

#include <algorithm>

#include "eval/evaluator.h"
#include "model/byte_tokenizer.h"
#include "tests/common/model_test_util.h"

using namespace r1;

namespace {

// Every completion of a tiny model whose LM head is zero: each token equally likely.
std::vector<SampleOutcome> completions(const ChatTemplate& chat) {
  const auto model = test::uniform_tiny_model();
  const ByteTokenizer tok;
  EvalOptions opt;
  opt.samples = 8;
  opt.max_new_tokens = 64;
  opt.chat = chat;
  opt.verify_threads = 1;
  Evaluator ev(*model, tok, opt);
  std::vector<SampleOutcome> out;
  for (const TaskOutcome& t : ev.run(parse_suites("countdown:level=1:n=6:seed=3").at(0)).tasks)
    out.insert(out.end(), t.samples.begin(), t.samples.end());
  return out;
}

int with_end_of_turn_text(const std::vector<SampleOutcome>& s) {
  return static_cast<int>(std::count_if(s.begin(), s.end(), [](const SampleOutcome& o) {
    return o.completion.find("<|im_end|>") != std::string::npos;
  }));
}

}  // namespace

TEST(EvaluatorEndOfTurn, ACompletionEndsAtTheTemplatesEndOfTurn) {
  ChatTemplate no_end = ChatTemplate::named("chatml");
  no_end.end_of_turn = "";
  const std::vector<SampleOutcome> free_running = completions(no_end);
  ASSERT_EQ(free_running.size(), 48u);
  EXPECT_GT(with_end_of_turn_text(free_running), 0)
      << "no completion drew the end of turn: the test does not test it";
  const std::vector<SampleOutcome> stopped = completions(ChatTemplate::named("chatml"));
  EXPECT_EQ(with_end_of_turn_text(stopped), 0);
  int shorter = 0;
  for (size_t i = 0; i < stopped.size(); ++i) {
    EXPECT_LE(stopped[i].tokens, free_running[i].tokens);
    if (stopped[i].tokens < free_running[i].tokens) {
      ++shorter;
      EXPECT_EQ(stopped[i].finish_reason, "stop");
    }
  }
  EXPECT_GT(shorter, 0);
}
