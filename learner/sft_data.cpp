#include "learner/sft_data.h"

#include <cmath>
#include <fstream>
#include <map>
#include <memory>

#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/rng.h"
#include "tasks/generator.h"
#include "tasks/holdout.h"

namespace r1 {

std::vector<SftText> generated_sft_texts(const SftDataConfig& data) {
  struct Source {
    std::unique_ptr<TaskGenerator> gen;
    std::vector<int> levels;
    uint64_t units;
  };
  std::vector<Source> sources;
  uint64_t total_units = 0;
  for (const auto& m : data.mix) {
    Source s;
    s.gen = make_generator(m.family, m.options, cat("data.generated.mix: ", m.family, ": options"));
    s.levels = m.levels;
    if (s.levels.empty()) {
      for (int l = 1; l <= s.gen->max_difficulty(); ++l) s.levels.push_back(l);
    }
    // Integer weights (parts per million) so that the pick is an integer draw, identical
    // everywhere.
    s.units = static_cast<uint64_t>(std::llround(m.weight * 1e6));
    if (s.units == 0) fail("sft data: weight ", m.weight, " of ", m.family, " is too small");
    total_units += s.units;
    sources.push_back(std::move(s));
  }
  if (sources.empty()) fail("sft data: the mix is empty");
  const Holdout holdout(data.holdout);
  uint64_t held_out = 0;
  const Rng base(data.seed, hash64("sft-data"));
  std::vector<SftText> out;
  out.reserve(static_cast<size_t>(data.n));
  for (int64_t i = 0; i < data.n; ++i) {
    Rng rng = base.fork(static_cast<uint64_t>(i));
    uint64_t pick = rng.below(total_units);
    size_t k = 0;
    while (pick >= sources[k].units) pick -= sources[k++].units;
    const Source& s = sources[k];
    const int level = s.levels[rng.below(s.levels.size())];
    // A held-out problem is drawn again from the example's own stream, so example i stays the
    // same whatever other examples are held out.
    Task task = s.gen->generate(rng, level);
    for (uint64_t tries = 1; holdout.contains(task, s.gen.get()); ++tries) {
      if (tries == Holdout::kMaxInARow) {
        fail("sft data: ", tries, " draws in a row for example ", i, " (", s.gen->family(),
             " level ", level, ") were held out by '", data.holdout,
             "'; hold out fewer suites or draw from larger levels");
      }
      ++held_out;
      task = s.gen->generate(rng, level);
    }
    task.id = cat("sft-", task.family, "-s", data.seed, "-d", level, "-", i);
    out.push_back({task.id, task.prompt, s.gen->solve(task)});
  }
  if (!holdout.empty()) {
    log_info("sft data: ", held_out, " draws were problems of the held-out suites (",
             holdout.tasks(), " tasks) and were drawn again");
  }
  return out;
}

std::vector<SftText> read_sft_jsonl(const std::string& path, const std::string& holdout_suites) {
  check_not_a_folder(path);
  std::ifstream in(path);
  if (!in) fail(path, ": cannot open the SFT data file");
  const Holdout holdout(holdout_suites);
  size_t held_out = 0;
  std::map<std::string, std::unique_ptr<TaskGenerator>> generators;  // by family, made once
  std::vector<SftText> out;
  std::string line;
  for (size_t lineno = 1; std::getline(in, line); ++lineno) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = cat(path, ":", lineno);
    json j = parse_json(line, where);
    if (!j.is_object())
      fail(where, ": expected a JSON object {\"prompt\", \"completion\"}, got ", json_type_name(j));
    for (const char* key : {"prompt", "completion"}) {
      if (!j.contains(key)) fail(where, ": missing field '", key, "'");
      if (!j[key].is_string())
        fail(where, ": field '", key, "': expected a string, got ", json_type_name(j[key]));
    }
    // Other fields (ids, answers, sources) are allowed and ignored: datasets carry metadata.
    SftText t{where, j["prompt"].get<std::string>(), j["completion"].get<std::string>()};
    if (t.solution.empty()) fail(where, ": field 'completion' is empty");
    // A line that carries its task (r1 rejection-sample's do) is held out by its problem keys
    // too: a generated family's ("Use 3, 7 ..." is the same problem as "Use 7, 3 ..."), and a
    // program task's (a deduction line trains the answer of its abduction pair: meta holds
    // both keys).
    Task as_task;
    const TaskGenerator* gen = nullptr;
    if (!holdout.empty() && j.contains("task") && j["task"].is_object()) {
      try {
        as_task = Task::from_json(j["task"], where + ": field 'task'");
        if (has_generator(as_task.family)) {
          auto& g = generators[as_task.family];
          if (!g) g = make_generator(as_task.family);
          gen = g.get();
        }
      } catch (const std::exception&) {  // not a task after all: the prompt alone decides
        as_task = Task{};
        gen = nullptr;
      }
    }
    as_task.prompt = t.question;
    bool held = false;
    try {
      held = holdout.contains(as_task, gen);
    } catch (const std::exception&) {  // a task its family cannot key: the prompt alone decides
      Task bare;
      bare.prompt = t.question;
      held = holdout.contains(bare, nullptr);
    }
    if (held) {
      ++held_out;
      continue;
    }
    out.push_back(std::move(t));
  }
  if (!holdout.empty()) {
    log_info("sft data: ", held_out, " lines of ", path, " were tasks of the held-out suites (",
             holdout.tasks(), " tasks) and were dropped");
  }
  if (out.empty() && held_out > 0)
    fail(path, ": all ", held_out, " examples are tasks of the held-out suites '", holdout_suites,
         "'");
  if (out.empty()) fail(path, ": no examples in the SFT data file");
  return out;
}

std::vector<SftText> sft_texts(const SftDataConfig& data) {
  return data.generated() ? generated_sft_texts(data) : read_sft_jsonl(data.jsonl, data.jsonl_holdout);
}

std::vector<SftExample> tokenize_sft(const std::vector<SftText>& texts, const ChatTemplate& chat,
                                     const Tokenizer& tok, int max_len) {
  std::vector<SftExample> out;
  out.reserve(texts.size());
  for (const auto& t : texts) {
    SftExample e;
    e.id = t.id;
    e.tokens = tok.encode(chat.render(t.question));
    e.prompt_len = static_cast<int32_t>(e.tokens.size());
    const std::vector<int32_t> completion = tok.encode(chat.sft_target(t.solution));
    if (e.prompt_len == 0) fail(t.id, ": the prompt encodes to no tokens");
    if (completion.empty()) fail(t.id, ": the completion encodes to no tokens");
    e.tokens.insert(e.tokens.end(), completion.begin(), completion.end());
    if (static_cast<int64_t>(e.tokens.size()) > max_len) {
      fail(t.id, ": ", e.tokens.size(), " tokens (prompt ", e.prompt_len, ", completion ",
           completion.size(), ") exceed the model's max_position_embeddings ", max_len,
           "; drop or shorten the example (SFT does not truncate)");
    }
    for (int32_t id : e.tokens) {
      if (id < 0 || id >= tok.vocab_size())
        fail(t.id, ": token id ", id, " outside the tokenizer's vocabulary");
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string sft_fingerprint(const std::vector<SftExample>& examples) {
  // FNV-1a over (prompt_len, tokens) of every example, in order.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) {
    for (int b = 0; b < 8; ++b) {
      h ^= (v >> (8 * b)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  mix(examples.size());
  for (const auto& e : examples) {
    mix(static_cast<uint64_t>(e.prompt_len));
    mix(e.tokens.size());
    for (int32_t t : e.tokens) mix(static_cast<uint32_t>(t));
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace r1
