// r1 tasks: generated tasks (or a dataset read into tasks) as JSONL on stdout.
#include <cstdio>
#include <limits>
#include <string>

#include "core/args.h"
#include "apps/commands.h"
#include "core/error.h"
#include "tasks/datasets.h"
#include "tasks/generator.h"

namespace r1 {

namespace {

void put_line(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), stdout);
}

void print_list() {
  std::printf("generated families (levels):\n");
  for (const auto& name : generator_names()) {
    auto g = make_generator(name);
    std::printf("  %-10s 1..%-3d %s\n", name.c_str(), g->max_difficulty(), g->summary().c_str());
  }
  std::printf("\ndataset formats (with --input PATH):\n ");
  for (const auto& f : dataset_formats()) std::printf(" %s", f.c_str());
  std::printf("\n");
}

}  // namespace

int cmd_tasks(int argc, char** argv) {
  Args args("tasks", "Print tasks as JSONL: generated from a task family, or read from a dataset.");
  args.positional("FAMILY", "a task family (see --list), or a dataset format with --input", false)
      .opt("n", "N", "number of tasks (datasets: at most N; 0 = all)", "10")
      .opt("seed", "S", "seed; the same seed gives the same tasks on any machine", "0")
      .opt("difficulty", "D", "level 1..max of the family; 0 draws a level per task", "0")
      .opt("offset", "K", "index of the first task, to split generation into shards", "0")
      .opt("input", "PATH", "read a JSONL dataset in format FAMILY instead of generating")
      .opt("options", "JSON",
           "the family's options, as in a mix entry's \"options\" (e.g. countdown: "
           "'{\"trace\": \"dfs\"}' writes worked solutions as a search with backtracking)",
           "{}")
      .flag("with-solution",
            "print {\"id\", \"task\", \"completion\"} lines, the completion being the "
            "worked solution (the input of r1 verify)")
      .flag("list", "list the task families and dataset formats")
      .epilog(
          "examples:\n  r1 tasks arith --n 5 --seed 7 --difficulty 3\n"
          "  r1 tasks countdown --n 1000 --with-solution | r1 verify\n"
          "  r1 tasks countdown --difficulty 2 --n 3 --with-solution --options '{\"trace\": "
          "\"dfs\"}'\n"
          "  r1 tasks gsm8k --input ../shared/data/eval/gsm8k-test.jsonl --n 0");
  if (!args.parse(argc, argv)) return 0;
  if (args.on("list")) {
    print_list();
    return 0;
  }
  if (!args.has("FAMILY")) fail("missing FAMILY (see r1 tasks --list)");
  std::string family = args.str("FAMILY");
  int64_t n = args.integer("n");
  int64_t seed = args.integer("seed");
  int64_t difficulty = args.integer("difficulty");
  int64_t offset = args.integer("offset");
  if (n < 0) fail("--n must be >= 0, got ", n);
  if (seed < 0) fail("--seed must be >= 0, got ", seed);
  if (offset < 0) fail("--offset must be >= 0, got ", offset);
  // offset + n must not wrap (the last index is offset + n - 1).
  if (n > std::numeric_limits<int64_t>::max() - offset)
    fail("--offset ", offset, " and --n ", n, " reach past the largest index, ",
         std::numeric_limits<int64_t>::max());
  bool with_solution = args.on("with-solution");

  if (args.has("input")) {
    if (!is_dataset_format(family)) {
      std::string known;
      for (const auto& f : dataset_formats()) known += (known.empty() ? "" : ", ") + f;
      fail("--input needs a dataset format as FAMILY, got '", family, "' (known: ", known, ")");
    }
    if (with_solution)
      fail("--with-solution needs a generated family; datasets carry meta.solution instead");
    auto tasks = read_dataset(family, args.str("input"));
    size_t end = n == 0 ? tasks.size() : std::min(tasks.size(), static_cast<size_t>(offset + n));
    for (size_t i = static_cast<size_t>(offset); i < end; ++i) put_line(tasks[i].to_json());
    return 0;
  }

  if (!has_generator(family) && is_dataset_format(family)) {
    fail("'", family, "' is a dataset format: give the file with --input PATH");
  }
  // An unknown family lists the known ones; bad options name themselves.
  auto gen = make_generator(family, parse_json(args.str("options"), "--options"), "--options");
  if (difficulty != 0 && (difficulty < 1 || difficulty > gen->max_difficulty())) {
    fail("--difficulty ", difficulty, " out of range for ", family, ": 1..", gen->max_difficulty(),
         " (or 0 for a level per task)");
  }
  for (int64_t i = offset; i < offset + n; ++i) {
    Task t = generate_task(*gen, static_cast<uint64_t>(seed), static_cast<uint64_t>(i),
                           static_cast<int>(difficulty));
    if (with_solution) {
      put_line({{"id", t.id}, {"task", t.to_json()}, {"completion", gen->solve(t)}});
    } else {
      put_line(t.to_json());
    }
  }
  return 0;
}

}  // namespace r1
