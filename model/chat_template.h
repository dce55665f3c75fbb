// Chat templates: how a task's question becomes the prompt text the policy sees, and which
// part of the assistant turn is already in the prompt. With the "chatml" template a prompt ends
// in "<|im_start|>assistant\n<think>", so the model's completion starts inside the think block;
// completion_prefix ("<think>") is put back in front of the completion before verifying, so that
// verifiers always see "<think>...</think><answer>...</answer>".
#pragma once
#include <string>

#include "core/json.h"

namespace r1 {

struct ChatTemplate {
  std::string name = "chatml";
  std::string system;  // optional system message (chatml/qwen/deepseek)
  // "chatml":   <|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n{prefix}
  // "plain":    {prompt}\n{prefix}
  // "custom":   `format` with {prompt} replaced (and {system}), then {prefix}
  std::string format;
  std::string completion_prefix = "<think>";
  // Text that ends the assistant turn after the answer (used as a stop string and in SFT data).
  std::string end_of_turn = "<|im_end|>";

  static ChatTemplate from_json(const json& j, const std::string& where);
  json to_json() const;

  // The full prompt text, ending with completion_prefix.
  std::string render(const std::string& question) const;
  // What verifiers see for a generated completion.
  std::string full_completion(const std::string& completion) const { return completion_prefix + completion; }
  // The SFT target for a worked solution "<think>...</think><answer>...</answer>": the solution
  // minus the prefix already in the prompt, plus end_of_turn.
  std::string sft_target(const std::string& solution) const;
};

}  // namespace r1
