// Chat templates: how a task's question becomes the prompt text the policy sees, and which
// part of the assistant turn is already in the prompt. With the "chatml" template a prompt ends
// in "<|im_start|>assistant\n<think>", so the model's completion starts inside the think block;
// completion_prefix ("<think>") is put back in front of the completion before verifying, so that
// verifiers always see "<think>...</think><answer>...</answer>".
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace r1 {

class Tokenizer;

struct ChatTemplate {
  std::string name = "chatml";
  std::string system;  // optional system message (chatml/qwen/deepseek)
  // "chatml":   <|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n{prefix}
  // "qwen":     Qwen2.5/Qwen3 as their Jinja template renders [system,] user + generation prompt:
  //             the chatml text, plus "<think>\n\n</think>\n\n" when enable_thinking is false;
  //             then {prefix}
  // "deepseek": DeepSeek-V3/R1: <｜begin▁of▁sentence｜>{system}<｜User｜>{prompt}<｜Assistant｜>{prefix}
  // "plain":    {prompt}\n{prefix}
  // "custom":   `format` with {prompt} replaced (and {system}), then {prefix}
  // With completion_prefix "", qwen and deepseek equal transformers' apply_chat_template(
  // add_generation_prompt=True) exactly (tests/model/data/chat_templates.json).
  std::string format;
  // Defaults by name: "<think>" (chatml, plain, custom); "<think>\n" (qwen thinking, deepseek:
  // what Qwen3 and R1 emit first, and how R1's own template ends); "" (qwen not thinking).
  std::string completion_prefix = "<think>";
  // Text that ends the assistant turn after the answer: SFT targets end with it, and generation
  // stops there (GenerationOptions::stop_at_end_of_turn), its text left out of the completion
  // where the tokenizer has it as one token (decode_completion).
  // Defaults: "<|im_end|>" (chatml, qwen, custom), "<｜end▁of▁sentence｜>" (deepseek), "" (plain).
  std::string end_of_turn = "<|im_end|>";
  bool enable_thinking = true;  // qwen only: Qwen3's enable_thinking switch

  // A template by name, with that name's defaults.
  static ChatTemplate named(const std::string& name);

  static ChatTemplate from_json(const json& j, const std::string& where);
  json to_json() const;

  // The full prompt text, ending with completion_prefix.
  std::string render(const std::string& question) const;
  // A conversation's prompt text (`r1 serve`'s chat route): turns of role "system", "user" or
  // "assistant", then the assistant's generation prompt and completion_prefix. A leading system
  // turn replaces `system`. Past assistant turns are written as given (Qwen3's template would
  // drop their think blocks). One user turn renders as render(question). The custom template
  // takes one user turn; other shapes are an error.
  struct Turn {
    std::string role, content;
  };
  std::string render_turns(const std::vector<Turn>& turns) const;
  // What verifiers see for a generated completion.
  std::string full_completion(const std::string& completion) const { return completion_prefix + completion; }
  // A worked solution "<think>...</think><answer>...</answer>" as a completion of the prompt:
  // less the completion_prefix the prompt already ends with. A prefix that ends in whitespace the
  // solution does not have (qwen's and deepseek's "<think>\n" against a solution's "<think>")
  // is removed without it, and so is the whitespace the solution goes on with, so that
  // full_completion() of the result holds the prefix once. A solution that starts otherwise is
  // returned as it is.
  std::string completion_of(const std::string& solution) const;
  // The SFT target for a worked solution: completion_of(solution) plus end_of_turn.
  std::string sft_target(const std::string& solution) const;
};

// The template named `name`; "auto" is the one a Hugging Face tokenizer's Jinja template
// corresponds to (tokenizer_config.json), else chatml (the byte tokenizer's).
ChatTemplate chat_template_for(const std::string& name, const Tokenizer& tok);
// The token that ends the assistant's turn: chat.end_of_turn where `tok` has it as one special
// token, else -1 (an empty end_of_turn, or one the tokenizer spells with several tokens). A
// completion ends there like at the end-of-sequence token: a base model's tokenizer (Qwen3-Base:
// "<|endoftext|>") may have another end of sequence than the chat template's "<|im_end|>", and
// what it writes after the end of its turn (a made-up next turn) is not its answer.
int32_t end_of_turn_token(const ChatTemplate& chat, const Tokenizer& tok);
// A template given as text (a --chat-template flag): a name, or a JSON object when it starts
// with '{'. Throws naming `where`.
ChatTemplate chat_template_from_text(const std::string& text, const std::string& where);

}  // namespace r1
