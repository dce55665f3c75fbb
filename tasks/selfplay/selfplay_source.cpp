#include "tasks/selfplay/selfplay_source.h"

#include <algorithm>

#include "core/error.h"

namespace r1 {

std::vector<SelfPlayKind> SelfPlayOptions::parsed_kinds() const {
  std::vector<SelfPlayKind> out;
  for (const auto& k : kinds) out.push_back(parse_selfplay_kind(k, "tasks.mix[i].self_play.kinds"));
  return out;
}

const ConfigFields<SelfPlayOptions>& SelfPlayOptions::fields() {
  using C = SelfPlayOptions;
  static const auto f =
      ConfigFields<C>("tasks.mix[i].self_play")
          .add("kinds", &C::kinds, "task kinds: deduction, abduction, induction",
               must<std::vector<std::string>>(
                   [](const std::vector<std::string>& v) {
                     if (v.empty()) return false;
                     for (const auto& k : v) {
                       if (k != "deduction" && k != "abduction" && k != "induction") return false;
                     }
                     return true;
                   },
                   "must be a non-empty list of deduction, abduction, induction"))
          .add("propose_share", &C::propose_share, "share of this entry's tasks that are proposals",
               in_range(0.0, 1.0, "must be in [0, 1]"))
          .add("references", &C::references, "buffer triplets shown in a propose prompt",
               in_range(0, 16, "must be in [0, 16]"))
          .add("references_by", &C::references_by,
               "how references are drawn: uniform, or learnability (favouring entries the "
               "solver solves sometimes, not always or never)",
               one_of({"uniform", "learnability"}))
          .add("inputs", &C::inputs, "inputs per deduction or abduction proposal",
               in_range(1, 16, "must be in [1, 16]"))
          .add("induction_inputs", &C::induction_inputs,
               "inputs per induction proposal (half shown to the solver, half held back)",
               in_range(2, 16, "must be in [2, 16]"))
          .add("propose_temperature", &C::propose_temperature,
               "sampling temperature of propose tasks (0: the rollout's); the learner takes "
               "their ratios at it",
               in_range(0.0, 100.0, "must be in [0, 100]"))
          .add("seed_tasks", &C::seed_tasks, "pyfunc tasks that seed the buffer",
               in_range(1, 100000, "must be in [1, 100000]"))
          .add("seed_pyoutput", &C::seed_pyoutput,
               "pyoutput tasks that seed the buffer too, written as functions (their literals "
               "become parameters, their print the return value)",
               in_range(0, 100000, "must be in [0, 100000]"))
          .add("buffer_capacity", &C::buffer_capacity, "most triplets kept; the oldest leave first",
               at_least<size_t>(1, "must be >= 1"))
          .add("invalid_reward", &C::invalid_reward,
               "proposer reward for a well-formed proposal the sandbox refuses")
          .add("format_reward", &C::format_reward,
               "proposer reward for an answer without <program> and <input>")
          .add("duplicate_reward", &C::duplicate_reward,
               "proposer reward for a valid proposal already in the buffer")
          .add("never_solved_reward", &C::never_solved_reward,
               "proposer reward for a valid new proposal the solver never solved in its "
               "samples (0: AZR's learnability)")
          .add("novelty", &C::novelty,
               "what makes a valid proposal a duplicate of the buffer: triplet (same program "
               "and inputs), program (same program, any inputs), shape (same program up to "
               "its literals) or behaviour (same shape, or the same outputs on probe inputs; a "
               "proposal that times out on a probe or gives no value on any is refused)",
               one_of({"triplet", "program", "shape", "behaviour"}))
          .add("advantages", &C::advantages,
               "role_kind (normalised per role and kind over the batch, as AZR), tiered "
               "(role_kind, with an admitted proposal's difficulty normalised again among the "
               "admitted ones) or group",
               one_of({"role_kind", "tiered", "group"}))
          .add("propose_weight", &C::propose_weight, "scales the proposer's advantages",
               at_least(0.0, "must be >= 0"))
          .add("solve_weight", &C::solve_weight, "scales the solver's advantages",
               at_least(0.0, "must be >= 0"));
  return f;
}

double SelfPlayOptions::reference_weight(const Triplet& t) {
  constexpr double kFloor = 0.05;  // mastered or hopeless entries stay possible, just rare
  const auto s = t.solve_rate();
  if (!s) return 0.5;
  if (*s > 0 && *s < 1) return std::max(1 - *s, kFloor);
  return kFloor;
}

SelfPlaySource::SelfPlaySource(SelfPlayOptions options, uint64_t seed)
    : options_(std::move(options)),
      kinds_(options_.parsed_kinds()),
      seed_(seed),
      buffer_(options_.buffer_capacity) {}

std::vector<Triplet> SelfPlaySource::seed_triplets(const Holdout* holdout) const {
  std::vector<Triplet> seeds =
      pyfunc_seed_triplets(static_cast<size_t>(options_.seed_tasks), seed_);
  for (Triplet& t : pyoutput_seed_triplets(static_cast<size_t>(options_.seed_pyoutput), seed_,
                                           options_.induction_inputs, holdout))
    seeds.push_back(std::move(t));
  return seeds;
}

namespace {
// Draws of another entry when one offers only copyable tasks of the kind asked (then, rarely, the
// task goes out marked meta.echo_solvable).
constexpr int kEchoRedraws = 16;
}  // namespace

Task SelfPlaySource::next(Rng& rng, uint64_t k) {
  if (buffer_.size() == 0) {
    fail(
        "self-play: the task buffer is empty (it is seeded by the learner before the first "
        "step)");
  }
  SelfPlayKind kind = kinds_[rng.below(kinds_.size())];
  const bool propose = rng.uniform() < options_.propose_share;
  const size_t min_inputs = kind == SelfPlayKind::Induction ? 2 : 1;
  Task t;
  if (propose) {
    const auto k = static_cast<size_t>(options_.references);
    auto draw = [&](size_t min) {
      return options_.references_by == "learnability"
                 ? buffer_.sample_weighted(rng, k, min, SelfPlayOptions::reference_weight)
                 : buffer_.sample(rng, k, min);
    };
    auto refs = draw(min_inputs);
    if (refs.empty()) refs = draw(1);
    const int n = kind == SelfPlayKind::Induction ? options_.induction_inputs : options_.inputs;
    t = make_propose_task(refs, kind, n);
    // Novelty by behaviour needs every proposal's behaviour: the verifier refuses one the
    // probes cannot judge (selfplay_verifiers.cpp).
    if (options_.novelty == "behaviour") t.meta["strict_probes"] = true;
    if (options_.propose_temperature > 0)
      t.meta["sampling_temperature"] = options_.propose_temperature;
  } else {
    auto pick = buffer_.sample(rng, 1, min_inputs);
    if (pick.empty()) {  // no entry with two pairs yet: induction waits, deduction goes
      kind = SelfPlayKind::Deduction;
      pick = buffer_.sample(rng, 1);
    }
    // An entry whose every pair a copy answers as this kind (abduction on sorted(xs): the
    // output is its own preimage) would reward copying: another entry is drawn, a few times.
    for (int again = 0; again < kEchoRedraws && every_pair_echo_solvable(*pick[0], kind); ++again)
      pick = buffer_.sample(rng, 1, kind == SelfPlayKind::Deduction ? 1 : min_inputs);
    t = make_solve_task(*pick[0], kind, rng);
  }
  t.id = cat("selfplay-s", seed_, "-", k, "-", t.meta.value("role", std::string()), "-",
             selfplay_kind_name(kind));
  return t;
}

}  // namespace r1
