// Finding the Python code in a completion, for the python verifier.
#pragma once
#include <optional>
#include <string>

namespace r1 {

struct ExtractedCode {
  std::string code;
  // Where it came from: "answer" (inside the last <answer>...</answer>, fences stripped),
  // "fence" (the last ```python block of the completion) or "raw" (the whole completion, for
  // HumanEval-style continuations that carry no tags or fences at all).
  std::string source;
};

// Never throws; nullopt when there is no code (empty answer, tags without code, only text in
// <think>). raw_fallback allows the "raw" source.
std::optional<ExtractedCode> extract_python_code(const std::string& completion,
                                                 bool raw_fallback = true);

// True when `code` defines `name` at module level: `def name(`, `async def name(`,
// `class name` or `name = ...`. A line scan, not a parse: it decides whether a HumanEval
// completion is a whole function or the body that continues the prompt.
bool defines_name(const std::string& code, const std::string& name);

}  // namespace r1
