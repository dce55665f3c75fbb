// Readers for evaluation and training datasets in their usual JSONL forms. Every reader gives
// Tasks with family = the format name and difficulty 0:
//   gsm8k      {question, answer "...reasoning...\n#### 1,234"}: answer "1234" (commas removed),
//              meta.solution = the reasoning with the <<48/2=24>> calculator notes removed
//   math       {problem, solution with \boxed{}, answer?}: answer = `answer`, else the last
//              \boxed{...} of the solution; meta.solution = solution
//   aime, amc  {problem, answer (string or number; 27.0 reads as "27"), solution?}
//   humaneval  {task_id, prompt, test, entry_point, canonical_solution}: verifier "python",
//              tests = test, meta.canonical_solution, meta.task_id
//   mbpp       {text (or prompt, as in the sanitized subset), test_list, code?, task_id?,
//              test_setup_code?, test_imports?}: verifier "python",
//              prompt = text plus the tests (they name the function), tests = the setup
//              code and imports, then the asserts,
//              entry_point = the function the first test calls, meta.test_list, meta.text
//   generic    {prompt, answer, verifier?, id?}
//   deduction, abduction  {id?, program, entry? ("f"), inputs, outputs}: a self-play triplet
//              (tasks/selfplay/) asked on its first input: predict the output, or find an input;
//              verifier "program"
// Math formats use verifier "math". Fields a format does not map are kept in meta as-is.
// A malformed line throws naming "<path>:<line>".
#pragma once
#include <string>
#include <vector>

#include "tasks/task.h"

namespace r1 {

std::vector<std::string> dataset_formats();
bool is_dataset_format(const std::string& format);

std::vector<Task> read_dataset(const std::string& format, const std::string& path);
// The same from JSONL text; `where` names the source in errors.
std::vector<Task> parse_dataset(const std::string& format, const std::string& text,
                                const std::string& where);
// One record (one parsed JSONL line); `where` is "<path>:<line>", `line` numbers default ids.
Task dataset_task(const std::string& format, const json& record, const std::string& where,
                  size_t line);

// Why `path` looks like an evaluation set, or "" when it does not: a folder named eval, evals,
// test or benchmarks, a file name with the word "test" or "eval" (gsm8k-test.jsonl), or a
// benchmark that has no training split (AIME, AMC, MATH-500, HumanEval, GPQA). Training on such
// a file, unheld, turns a later score on it into recall; the task source warns.
std::string eval_set_look(const std::string& path);

// The contents of the last \boxed{...} (or \fbox{...}) in `text`, braces matched; "" if none.
std::string last_boxed(const std::string& text);

}  // namespace r1
