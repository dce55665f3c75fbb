#include "tasks/generator.h"

#include <cstdio>
#include <map>
#include <mutex>

#include "tasks/builtin.h"

namespace r1 {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, GeneratorFactory> factories;
};

Registry& registry() {
  // Built-ins are added explicitly here: static-initialiser registration would be dropped by
  // the linker for objects nobody references in a static library.
  static Registry* r = [] {
    auto* reg = new Registry;
    register_builtin_generators([reg](const std::string& name, GeneratorFactory f) {
      reg->factories[name] = std::move(f);
    });
    return reg;
  }();
  return *r;
}

std::string known_list(const Registry& r) {
  std::string known;
  for (const auto& [n, _] : r.factories) known += (known.empty() ? "" : ", ") + n;
  return known.empty() ? "none" : known;
}

}  // namespace

void register_generator(const std::string& family, GeneratorFactory factory) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.factories[family] = std::move(factory);
}

bool has_generator(const std::string& family) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.factories.count(family) > 0;
}

std::unique_ptr<TaskGenerator> make_generator(const std::string& family) {
  GeneratorFactory f;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.factories.find(family);
    if (it == r.factories.end()) {
      fail("unknown task family '", family, "' (known: ", known_list(r), ")");
    }
    f = it->second;
  }
  return f();
}

std::unique_ptr<TaskGenerator> make_generator(const std::string& family, const json& options,
                                              const std::string& where) {
  auto gen = make_generator(family);
  gen->configure(options, where);
  return gen;
}

void TaskGenerator::configure(const json& options, const std::string& where) {
  if (!options.is_object())
    fail(where, ": expected an object of options, got ", json_type_name(options), " ",
         json_snippet(options));
  if (!options.empty())
    fail(where, ": ", family(), " takes no options, got ", json_snippet(options, 200));
}

std::vector<std::string> generator_names() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> out;
  for (const auto& [n, _] : r.factories) out.push_back(n);
  return out;
}

void check_difficulty(const TaskGenerator& gen, int difficulty) {
  if (difficulty < 1 || difficulty > gen.max_difficulty()) {
    fail(gen.family(), ": difficulty ", difficulty, " out of range 1..", gen.max_difficulty());
  }
}

std::string task_id(const std::string& family, uint64_t seed, int difficulty, uint64_t index) {
  char idx[32];
  std::snprintf(idx, sizeof idx, "%06llu", static_cast<unsigned long long>(index));
  return cat(family, "-s", seed, "-d", difficulty, "-", idx);
}

Rng task_rng(const std::string& family, uint64_t seed, uint64_t index) {
  // The family name picks the stream so that two families with one seed are unrelated.
  return Rng(seed, hash64(family)).fork(index);
}

Task generate_task(const TaskGenerator& gen, uint64_t seed, uint64_t index, int difficulty) {
  if (difficulty != 0) check_difficulty(gen, difficulty);
  Rng rng = task_rng(gen.family(), seed, index);
  int d = difficulty != 0 ? difficulty : static_cast<int>(rng.range(1, gen.max_difficulty()));
  Task t = gen.generate(rng, d);
  t.id = task_id(gen.family(), seed, d, index);
  return t;
}

std::vector<Task> generate_tasks(const std::string& family, size_t n, uint64_t seed,
                                 int difficulty) {
  auto gen = make_generator(family);
  if (difficulty != 0) check_difficulty(*gen, difficulty);
  std::vector<Task> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(generate_task(*gen, seed, i, difficulty));
  return out;
}

std::string prompt_key(const std::string& prompt) {
  std::string out;
  bool space = false;
  for (char c : prompt) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string TaskGenerator::problem_key(const Task& task) const {
  return family() + "|" + prompt_key(task.prompt);
}

std::string problem_key_hash(const std::string& key) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash64(key)));
  return hex;
}

std::vector<std::string> shown_problem_hashes(const Task& task) {
  std::vector<std::string> keys;
  if (!task.meta.is_object() || !task.meta.contains("problem_keys")) return keys;
  const json& k = task.meta["problem_keys"];
  if (!k.is_array()) return keys;
  for (const json& s : k)
    if (s.is_string() && !s.get_ref<const std::string&>().empty())
      keys.push_back(s.get<std::string>());
  return keys;
}

std::vector<std::string> TaskGenerator::problem_keys(const Task& task) const {
  return {problem_key(task)};
}

std::vector<std::string> TaskGenerator::problem_texts(const Task& task) const {
  return {task.prompt};
}

std::vector<std::string> prompt_and_problem(const Task& task, const std::string& instruction) {
  const std::string& p = task.prompt;
  if (p.size() > instruction.size() &&
      p.compare(p.size() - instruction.size(), instruction.size(), instruction) == 0)
    return {p, p.substr(0, p.size() - instruction.size())};
  return {p};
}

}  // namespace r1
