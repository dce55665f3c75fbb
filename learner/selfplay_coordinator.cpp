#include "learner/selfplay_coordinator.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"

namespace r1 {

namespace {

constexpr size_t kRecentPrograms = 256;  // window of the diversity figure

bool is_selfplay(const json& task) {
  return task.is_object() && task.value("family", std::string()) == "selfplay" &&
         task.contains("meta") && task["meta"].is_object();
}

std::string meta_text(const json& task, const char* key) {
  return task["meta"].value(key, std::string());
}

// Whether any solve task of the triplet would be a held-out problem (selfplay_tasks.h).
bool holds_held_out(const Triplet& t, const Holdout* holdout) {
  if (!holdout || holdout->empty()) return false;
  for (const std::string& key : triplet_problem_keys(t))
    if (holdout->contains_key(key)) return true;
  return false;
}

}  // namespace

SelfPlayCoordinator::SelfPlayCoordinator(SelfPlaySource& source, SandboxConfig sandbox,
                                         ProgramLimits limits, const Holdout* holdout)
    : source_(source),
      holdout_(holdout),
      sandbox_(std::move(sandbox)),
      limits_(std::move(limits)) {}

void SelfPlayCoordinator::seed_buffer() {
  if (source_.buffer().size() > 0) {
    // A restored buffer: entries that joined under another holdout (a checkpoint from before
    // seeds and proposals were screened whole, or a run that held out other suites) leave now,
    // since propose prompts would show them.
    const size_t dropped =
        source_.buffer().remove_if([&](const Triplet& t) { return holds_held_out(t, holdout_); });
    if (dropped > 0)
      log_info("self-play: ", dropped,
               " restored buffer entries hold a held-out problem; left out");
    if (source_.buffer().size() > 0) return;
  }
  std::string error;
  SandboxPool* pool = sandbox_.get(&error);
  if (!pool)
    fail("self-play: the sandbox cannot start here, so no proposal can be judged: ", error);
  ProgramRunner runner(*pool, limits_);
  const double t0 = steady_seconds();
  auto seeds = source_.seed_triplets(holdout_);
  std::map<std::string, int> refused;
  for (Triplet& t : seeds) {
    ProgramReport r = runner.validate(t.program, t.entry, t.inputs);
    if (r.sandbox_error)
      fail("self-play: the sandbox failed while seeding the buffer: ", r.message);
    if (!r.ok) {
      refused[r.reason]++;
      continue;
    }
    t.inputs = r.inputs;
    t.outputs = r.outputs;
    t.key = r.key;
    t.program_key = r.program_key;
    t.shape_key = r.shape_key;
    t.behaviour_key = r.behaviour_key;
    t.ast_nodes = r.ast_nodes;
    t.fixed_points = r.fixed_points;
    // A seed with a held-out pair would show it in propose prompts (and an entry is only known
    // whole: its outputs come from the run above).
    if (holds_held_out(t, holdout_)) {
      refused["held_out"]++;
      continue;
    }
    source_.buffer().add(std::move(t));
  }
  std::string why;
  for (auto& [reason, n] : refused) why += cat(why.empty() ? "" : ", ", reason, " ", n);
  if (source_.buffer().size() == 0) {
    fail("self-play: none of the ", seeds.size(), " seed programs could join the buffer (", why,
         refused.count("held_out")
             ? "; held_out: an eval suite of tasks.holdout asks about it; a larger seed_tasks "
               "draws more"
             : "",
         ")");
  }
  size_t from_pyoutput = 0;
  for (size_t i = 0; i < source_.buffer().size(); ++i)
    from_pyoutput += source_.buffer().at(i).origin == "seed:pyoutput";
  log_info("self-play: buffer seeded with ", source_.buffer().size(), " of ", seeds.size(),
           " seed triplets (", source_.buffer().size() - from_pyoutput, " from pyfunc, ",
           from_pyoutput, " from pyoutput) in ", static_cast<int>((steady_seconds() - t0) * 1000),
           " ms", why.empty() ? "" : cat(" (refused: ", why, ")"));
}

namespace {

// Verdict reasons of a solve sample that ran into the sandbox's limits (selfplay_verifiers.cpp).
bool past_a_limit(const std::string& reason) {
  return reason == "program_timeout" || reason == "resource_limit" || reason == "timeout" ||
         reason == "crashed";
}

}  // namespace

Task SelfPlayCoordinator::take_followup() {
  R1_CHECK(!followups_.empty(), "self-play: no follow-up task queued");
  Task t = std::move(followups_.front());
  followups_.pop_front();
  return t;
}

std::vector<RolloutGroup> SelfPlayCoordinator::admit(RolloutGroup g, int64_t step) {
  std::vector<RolloutGroup> ready;
  if (!is_selfplay(g.task)) {
    ready.push_back(std::move(g));
    return ready;
  }
  const std::string role = meta_text(g.task, "role");
  const std::string kind = meta_text(g.task, "kind");
  KindStats& ks = stats_[kind];
  if (role == "solve") {
    // A judge that found the task's program deciding by chance (nondeterministic_program, an
    // abduction run on the solver's input in two interpreters) condemns the task: the triplet
    // leaves the buffer and a proposal it came from counts as refused. Its samples train as
    // judged, the answer that showed the coin at 0: dropping the group would let a solver
    // escape its penalties by finding an input the program is not deterministic on.
    // Only an abduction's judge runs the proposer's program on the solver's input; an induction
    // answer that disagrees with itself is the solver's own program (nondeterministic_answer).
    const auto any_reason = [&](const char* reason) {
      return std::any_of(g.samples.begin(), g.samples.end(),
                         [&](const auto& s) { return s.reason == reason; });
    };
    const bool condemned = kind == "abduction" && any_reason("nondeterministic_program");
    // An answer holding a set of strings made the program give two values (hash_ordered_answer:
    // the set's order follows the hash seed). That may be the answer's doing, so the proposal
    // is not refused; but which answers such a task counts right can be a coin, so the task
    // leaves the buffer and its solve rate stays unknown (the proposal is neither paid nor
    // penalised). The samples train as judged.
    const bool withdrawn = !condemned && kind == "abduction" && any_reason("hash_ordered_answer");
    if (withdrawn || condemned) {
      const std::string key = meta_text(g.task, "key");
      const size_t removed =
          source_.buffer().remove_if([&](const Triplet& t) { return t.key == key; });
      (condemned ? ks.condemned : ks.withdrawn)++;
      log_info("self-play: task ", key, " of kind ", kind,
               condemned ? " decided by chance when judged; "
                         : " gave two values on an answer holding a set of strings; ",
               removed, " buffer entr", removed == 1 ? "y" : "ies", " removed");
    }
    // An answer out of memory in every interpreter counts (a program may raise MemoryError on
    // purpose), unless another answer met the limit in one interpreter only: then the limit
    // moved with the heap's shift, and which answers run out of memory is a coin.
    const bool limit_moved = any_reason("resource_limit");
    uint64_t n = 0, correct = 0;
    for (const auto& s : g.samples) {
      if (limit_moved && s.reason == "memory_error") continue;
      // An answer judged past a limit (the proposer's program on an abduction answer, or the
      // solver's own program) scored 0 for the solver, and says nothing of how solvable the
      // task is: near a limit, which answers finish is a coin a proposer could tune.
      // A condemned task's verdicts say nothing of it either (a coin's faces).
      if (condemned || withdrawn || s.verifier_error || past_a_limit(s.reason)) continue;
      ++n;
      correct += s.correct ? 1 : 0;
    }
    ks.solve_samples += static_cast<int64_t>(n);
    ks.solve_correct += static_cast<int64_t>(correct);
    source_.buffer().record(meta_text(g.task, "key"), n, correct);
    const json& meta = g.task["meta"];
    const bool followup = meta.contains("followup") && meta["followup"].is_object();
    uint64_t proposer = 0;
    size_t sample = 0;
    if (followup) {
      proposer = meta["followup"].value("proposer", uint64_t{0});
      sample = meta["followup"].value("sample", size_t{0});
    }
    ready.push_back(std::move(g));
    if (followup) {
      // No judged sample at all (verifier errors): nothing is known, and the proposal's sample
      // is dropped rather than scored as unsolvable.
      resolve(proposer, sample,
              n > 0 ? std::optional<double>(static_cast<double>(correct) / n) : std::nullopt, ready,
              /*unknown=*/n == 0, condemned, withdrawn);
    }
    return ready;
  }
  if (role != "propose") {
    ready.push_back(std::move(g));
    return ready;
  }

  Held h;
  h.kind = kind;
  const SelfPlayKind k = parse_selfplay_kind(kind, cat("scored group ", g.seq, ": meta.kind"));
  for (size_t i = 0; i < g.samples.size(); ++i) {
    const SampleResult& s = g.samples[i];
    Status st = Status::Invalid;
    std::string refusal;
    if (s.verifier_error) {
      st = Status::Error;
    } else {
      ks.proposals++;
      ks.reasons[s.reason.empty() ? "?" : s.reason] =
          ks.reasons.value(s.reason.empty() ? "?" : s.reason, 0) + 1;
      if (!s.format_ok) {
        st = Status::Malformed;
        ks.malformed++;
      } else if (s.reason == "duplicate") {
        st = Status::Duplicate;
        ks.duplicates++;
      } else if (s.correct && s.learner_data.contains("triplet")) {
        Triplet t;
        try {
          json tj = s.learner_data["triplet"];
          // It will be written into checkpoints as JSON: text that cannot be is refused here
          // rather than failing the run at its next checkpoint.
          (void)tj.dump();
          tj["origin"] = "proposed";
          tj["seed"] = g.seq;
          tj["step"] = step + 1;
          t = Triplet::from_json(tj, cat("scored group ", g.seq, " sample ", i, ": triplet"));
        } catch (const std::exception& e) {
          log_warn("self-play: ", e.what(), "; the proposal counts as refused");
          h.status.push_back(Status::Invalid);
          g.samples[i].reason = "bad_triplet";
          continue;
        }
        ks.runnable++;
        ks.ast_nodes += t.ast_nodes;
        auto& recent = recent_[kind];
        recent.push_back(t.program_key);
        if (recent.size() > kRecentPrograms) recent.pop_front();
        const bool new_program = !source_.buffer().contains_program(t.program_key);
        // A known program has a known shape, even where its entry was saved without one.
        const bool new_shape = new_program && !source_.buffer().contains_shape(t.shape_key);
        // Computes something no entry does, as far as the probes tell (unknown: not counted).
        const bool known_behaviour = source_.buffer().contains_behaviour(t.behaviour_key);
        const bool new_behaviour = !t.behaviour_key.empty() && !known_behaviour;
        ks.new_programs += new_program;
        ks.new_shapes += new_shape;
        ks.new_behaviours += new_behaviour;
        ks.probed += !t.behaviour_key.empty();
        const std::string& novelty = source_.options().novelty;
        if (source_.buffer().contains(t.key) || (!new_program && novelty == "program") ||
            (!new_shape && (novelty == "shape" || novelty == "behaviour")) ||
            (known_behaviour && novelty == "behaviour")) {
          st = Status::Duplicate;
          ks.duplicates++;
          refusal = "duplicate";
        } else if (k == SelfPlayKind::Induction && t.inputs.size() < 2) {
          st = Status::Invalid;  // cannot be asked as induction: not a usable task
          refusal = "too_few_inputs";
        } else if (every_pair_echo_solvable(t, k)) {
          // Every task of its kind is answered by copying what the prompt shows (an abduction of
          // sorted(xs) on sorted outputs, a deduction whose inputs are their outputs): it would
          // teach the solver to copy. Refused, as a task that is not usable.
          st = Status::Invalid;
          ks.echo++;
          refusal = "echo";
        } else {
          // The solve task that measures this proposal's solve rate: its own stream.
          Rng rng(source_.seed(), hash64(cat("selfplay-followup:", g.seq, ":", i)));
          Task f = make_solve_task(t, k, rng);
          if (holdout_ && (holdout_->contains(f, nullptr) || holds_held_out(t, holdout_))) {
            st = Status::Duplicate;  // an eval suite's problem: known, and never trained on
            ks.duplicates++;
            ks.held_out++;
            refusal = "held_out";
          } else {
            st = Status::Candidate;
            ks.valid++;
            f.id = cat("selfplay-s", source_.seed(), "-f", g.seq, "-", i, "-", kind);
            f.meta["followup"] = {{"proposer", g.seq}, {"sample", i}};
            followups_.push_back(std::move(f));
            source_.buffer().add(std::move(t));
            proposed_total_++;
            h.outstanding++;
          }
        }
      }
    }
    h.status.push_back(st);
    // A proposal the sandbox passed but this refused says why in samples.jsonl, not "ok".
    if (!refusal.empty()) g.samples[i].reason = std::move(refusal);
  }
  h.rate.assign(g.samples.size(), std::nullopt);
  h.resolved.assign(g.samples.size(), false);
  h.group = std::move(g);
  if (h.outstanding == 0) {
    ready.push_back(finish(h));
    return ready;
  }
  const uint64_t seq = h.group.seq;
  held_.emplace(seq, std::move(h));
  return ready;
}

void SelfPlayCoordinator::resolve(uint64_t proposer, size_t sample, std::optional<double> rate,
                                  std::vector<RolloutGroup>& ready, bool unknown, bool condemned,
                                  bool withdrawn) {
  auto it = held_.find(proposer);
  if (it == held_.end()) return;  // its group was lost with a restart, or is already done
  Held& h = it->second;
  if (sample >= h.status.size() || h.status[sample] != Status::Candidate || h.resolved[sample]) {
    return;
  }
  h.rate[sample] = rate;
  h.resolved[sample] = true;
  if (unknown) h.status[sample] = Status::Error;
  if (withdrawn) h.group.samples[sample].reason = "withdrawn_when_judged";
  if (condemned) {
    h.status[sample] = Status::Invalid;  // a program that decides by chance is no task
    h.group.samples[sample].reason = "nondeterministic_when_judged";
  }
  if (--h.outstanding > 0) return;
  ready.push_back(finish(h));
  held_.erase(it);
}

std::vector<RolloutGroup> SelfPlayCoordinator::lost(const Task& task) {
  std::vector<RolloutGroup> ready;
  if (task.family != "selfplay" || !task.meta.contains("followup")) return ready;
  const json& f = task.meta["followup"];
  if (!f.is_object()) return ready;
  resolve(f.value("proposer", uint64_t{0}), f.value("sample", size_t{0}), std::nullopt, ready,
          /*unknown=*/false);
  return ready;
}

RolloutGroup SelfPlayCoordinator::finish(Held& h) {
  const SelfPlayOptions& o = source_.options();
  KindStats& ks = stats_[h.kind];
  for (size_t i = 0; i < h.group.samples.size(); ++i) {
    SampleResult& s = h.group.samples[i];
    switch (h.status[i]) {
      case Status::Error:
        // Dropped from its group: a verifier error, or a follow-up that judged nothing.
        if (!s.verifier_error) {
          s.verifier_error = true;
          s.reward.reset();
          if (s.reason != "withdrawn_when_judged") s.reason = "followup_unjudged";
        }
        continue;
      case Status::Candidate: {
        const std::optional<double> r = h.rate[i];
        const double learnability = r && *r > 0 && *r < 1 ? 1.0 - *r : 0.0;
        s.reward = r && *r == 0 ? o.never_solved_reward : learnability;
        s.learner_data["admitted"] = true;  // for advantages "tiered"
        ks.resolved++;
        ks.learnability += learnability;
        // Where the zeros come from: tasks the solver never solves, or always (written off:
        // neither).
        ks.never_solved += r && *r == 0;
        ks.always_solved += r && *r == 1;
        break;
      }
      case Status::Duplicate:
        s.reward = o.duplicate_reward;
        break;
      case Status::Invalid:
        s.reward = o.invalid_reward;
        break;
      case Status::Malformed:
        s.reward = o.format_reward;
        break;
    }
  }
  return std::move(h.group);
}

bool SelfPlayCoordinator::is_selfplay_group(const RolloutGroup& g) const {
  return is_selfplay(g.task);
}

bool SelfPlayCoordinator::keeps_flat_group(const RolloutGroup& g) const {
  return is_selfplay(g.task) && source_.options().advantages != "group";
}

void SelfPlayCoordinator::set_advantages(std::vector<UsableGroup>& batch) const {
  const SelfPlayOptions& o = source_.options();
  struct Moments {
    double n = 0, sum = 0, sq = 0;
    void add(double r) {
      n += 1;
      sum += r;
      sq += r * r;
    }
    double sd() const {
      if (n == 0) return 0.0;
      const double mean = sum / n;
      return std::sqrt(std::max(0.0, sq / n - mean * mean));
    }
    double z(double r) const {  // r normalised by these moments (0 where they do not spread)
      const double s = sd();
      return s > 1e-8 ? (r - sum / n) / s : 0.0;
    }
  };
  // "tiered" splits a proposer's advantage in two. Validity: every proposer sample's reward,
  // an admitted proposal's counted as 0, normalised over its role and kind, so that being valid
  // is learnt as under "role_kind". Difficulty: an admitted proposal's reward (learnability, or
  // never_solved_reward) normalised over its kind's admitted proposals alone and added; over
  // all the batch's admitted proposals where its kind's do not spread (one alone, or all with
  // one reward), else a lone edge task would score as a task never solved. Under "role_kind"
  // the gap between refused and valid dwarfs the one between a task the solver never solves
  // and one at its edge (docs/results/selfplay/); here both have the same scale where the
  // batch's admitted proposals differ.
  const bool per_batch = o.advantages != "group";  // "group" keeps the groups' advantages
  const bool tiered = o.advantages == "tiered";
  auto is_propose = [](const UsableGroup& u) { return meta_text(u.g.task, "role") == "propose"; };
  auto bucket_of = [](const UsableGroup& u) {
    return cat(meta_text(u.g.task, "role"), "/", meta_text(u.g.task, "kind"));
  };
  auto admitted = [](const UsableGroup& u, int i) {
    return u.g.samples[i].learner_data.value("admitted", false);
  };
  std::map<std::string, Moments> buckets, admitted_buckets;  // "role/kind"
  Moments all_admitted;
  for (const auto& u : batch) {
    if (!per_batch || !is_selfplay(u.g.task)) continue;
    const bool split = tiered && is_propose(u);
    Moments& m = buckets[bucket_of(u)];
    Moments& a = admitted_buckets[bucket_of(u)];
    for (int i : u.kept) {
      const double r = *u.g.samples[i].reward;
      if (split && admitted(u, i)) {
        m.add(0.0);
        a.add(r);
        all_admitted.add(r);
      } else {
        m.add(r);
      }
    }
  }
  for (auto& u : batch) {
    if (!is_selfplay(u.g.task)) continue;
    const double w = is_propose(u) ? o.propose_weight : o.solve_weight;
    if (per_batch) {
      const bool split = tiered && is_propose(u);
      const Moments& m = buckets[bucket_of(u)];
      const Moments& a = admitted_buckets[bucket_of(u)];
      const Moments& difficulty = a.sd() > 1e-8 ? a : all_admitted;
      for (size_t j = 0; j < u.kept.size(); ++j) {
        const int i = u.kept[j];
        const double r = *u.g.samples[i].reward;
        u.advantages[j] = split && admitted(u, i) ? m.z(0.0) + difficulty.z(r) : m.z(r);
      }
    }
    for (double& adv : u.advantages) adv *= w;
  }
}

json SelfPlayCoordinator::take_step_metrics() {
  json propose = json::object(), solve = json::object();
  for (auto& [kind, ks] : stats_) {
    if (ks.proposals > 0) {
      json p = {{"proposals", ks.proposals},
                {"valid", ks.valid},
                {"valid_rate", static_cast<double>(ks.valid) / ks.proposals},
                {"new_programs", ks.new_programs},
                {"new_program_rate", static_cast<double>(ks.new_programs) / ks.proposals},
                {"new_shapes", ks.new_shapes},
                {"new_shape_rate", static_cast<double>(ks.new_shapes) / ks.proposals},
                {"new_behaviours", ks.new_behaviours},
                {"new_behaviour_rate", static_cast<double>(ks.new_behaviours) / ks.proposals},
                {"probed", ks.probed},
                {"duplicates", ks.duplicates},
                {"held_out", ks.held_out},
                {"echo", ks.echo},
                {"malformed", ks.malformed},
                {"reasons", ks.reasons}};
      p["condemned"] = ks.condemned;
      p["withdrawn"] = ks.withdrawn;
      p["ast_nodes"] =
          ks.runnable > 0 ? json(static_cast<double>(ks.ast_nodes) / ks.runnable) : json();
      p["resolved"] = ks.resolved;
      p["learnability"] = ks.resolved > 0 ? json(ks.learnability / ks.resolved) : json();
      p["never_solved"] = ks.never_solved;
      p["always_solved"] = ks.always_solved;
      const auto& recent = recent_[kind];
      std::set<std::string> distinct(recent.begin(), recent.end());
      p["distinct_programs"] =
          recent.empty() ? json() : json(static_cast<double>(distinct.size()) / recent.size());
      propose[kind] = std::move(p);
    }
    if (ks.solve_samples > 0) {
      solve[kind] = {{"samples", ks.solve_samples},
                     {"correct", ks.solve_correct},
                     {"solve_rate", static_cast<double>(ks.solve_correct) / ks.solve_samples}};
    }
  }
  stats_.clear();
  const TaskBuffer& b = source_.buffer();
  return {{"propose", std::move(propose)},
          {"solve", std::move(solve)},
          {"buffer", {{"size", b.size()}, {"added", b.added()}}},
          {"proposals_admitted", proposed_total_},
          {"waiting_groups", held_.size()},
          {"queued_followups", followups_.size()}};
}

}  // namespace r1
