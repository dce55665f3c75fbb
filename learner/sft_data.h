// SFT examples: (prompt, completion) token sequences with the loss on the completion only.
// Prompts go through the chat template (render(question) ends in its completion prefix, e.g.
// "<think>"), completions are chat_template.sft_target(solution): the solution minus that
// prefix, plus end_of_turn. So the model learns exactly the text it will generate in a rollout.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "learner/sft_config.h"
#include "model/tokenizer.h"

namespace r1 {

struct SftText {
  std::string id;        // task id, or "<file>:<line>"
  std::string question;  // before the chat template
  std::string solution;  // "<think>...</think><answer>...</answer>"
};

struct SftExample {
  std::string id;
  std::vector<int32_t> tokens;  // prompt then completion
  int32_t prompt_len = 0;       // the loss covers tokens [prompt_len, tokens.size())
};

// The worked solutions of a generated data config: example i comes from its own stream of
// data.seed, so the first n examples are the same for every n, on every machine.
std::vector<SftText> generated_sft_texts(const SftDataConfig& data);
// {prompt, completion} lines; a bad line throws naming "<path>:<line>". Blank lines are skipped.
// Lines that are a task of `holdout`'s suites (tasks/holdout.h) are dropped, and counted in the
// log: by their prompt, up to whitespace, or, for a line that carries its task of a generated
// family ("task", as r1 rejection-sample writes), by the family's problem_key too. A file left
// empty is an error.
std::vector<SftText> read_sft_jsonl(const std::string& path, const std::string& holdout = "");
std::vector<SftText> sft_texts(const SftDataConfig& data);

// Tokenises with the chat template. An example longer than max_len tokens is an error naming it
// (truncation would cut off the answer, which is the part that matters).
std::vector<SftExample> tokenize_sft(const std::vector<SftText>& texts, const ChatTemplate& chat,
                                     const Tokenizer& tok, int max_len);

// A fingerprint of the token data (hex), saved with checkpoints so that resuming on other data
// is caught.
std::string sft_fingerprint(const std::vector<SftExample>& examples);

}  // namespace r1
