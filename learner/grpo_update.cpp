#include "learner/grpo_update.h"

#include <algorithm>
#include <map>

#include "learner/update_step.h"

namespace r1 {

GrpoMinibatch pack_grpo_minibatch(const std::vector<TrainSequence>& seqs, bool share_prompts) {
  GrpoMinibatch mb;
  mb.sequences.resize(seqs.size());
  std::vector<int> packed(seqs.size());  // the batch sequence each completion went into
  // The members of each prompt, in order of first appearance (one member each when not sharing).
  std::vector<std::vector<size_t>> families;
  std::map<const std::vector<int32_t>*, size_t> family_of;
  for (size_t k = 0; k < seqs.size(); ++k) {
    if (!share_prompts) {
      families.push_back({k});
      continue;
    }
    auto [it, fresh] = family_of.try_emplace(seqs[k].prompt, families.size());
    if (fresh) families.emplace_back();
    families[it->second].push_back(k);
  }
  for (const auto& members : families) {
    const std::vector<int32_t>& prompt = *seqs[members[0]].prompt;
    if (members.size() < 2 || prompt.size() < 2) {
      for (size_t k : members) {
        std::vector<int32_t> full = prompt;
        full.insert(full.end(), seqs[k].completion->begin(), seqs[k].completion->end());
        mb.batch.add(full);
        packed[k] = mb.batch.num_seqs() - 1;
        mb.sequences[k] = completion_span(mb.batch, mb.batch.num_seqs() - 1,
                                          static_cast<int>(prompt.size()), seqs[k].advantage);
      }
      continue;
    }
    mb.batch.add(std::vector<int32_t>(prompt.begin(), prompt.end() - 1));
    const int root = mb.batch.num_seqs() - 1;
    for (size_t k : members) {
      std::vector<int32_t> tail = {prompt.back()};
      tail.insert(tail.end(), seqs[k].completion->begin(), seqs[k].completion->end());
      mb.batch.add_after(root, tail);
      packed[k] = mb.batch.num_seqs() - 1;
      mb.sequences[k] = completion_span(mb.batch, mb.batch.num_seqs() - 1, 1, seqs[k].advantage);
    }
  }
  // Each completion's own sampling temperature, where one has one (prompts and the rest: 0,
  // the forward's).
  for (size_t k = 0; k < seqs.size(); ++k) {
    if (seqs[k].temperature <= 0) continue;
    mb.batch.temperature.resize(static_cast<size_t>(mb.batch.num_seqs()), 0.0f);
    mb.batch.temperature[static_cast<size_t>(packed[k])] = static_cast<float>(seqs[k].temperature);
  }
  mb.old_logp.assign(static_cast<size_t>(mb.batch.num_tokens()), 0.0f);
  for (size_t k = 0; k < seqs.size(); ++k) {
    if (seqs[k].token_offsets && !seqs[k].token_offsets->empty())
      mb.sequences[k].token_offsets = *seqs[k].token_offsets;
    const auto& lp = *seqs[k].logprobs;
    std::copy(lp.begin(), lp.end(), mb.old_logp.begin() + mb.sequences[k].offset);
  }
  return mb;
}

GrpoUpdateStats grpo_update(GrpoUpdateContext& c, const std::vector<UsableGroup>& batch) {
  const LearnerConfig& cfg = c.cfg;
  std::vector<TrainSequence> seqs;
  for (const auto& u : batch) {
    // A task sampled at a temperature of its own (self-play's proposals) has its ratios taken
    // at it; 0 leaves the sequence at the run's.
    const double own = task_sampling_temperature(u.g.task, 0);
    for (size_t k = 0; k < u.kept.size(); ++k) {
      const SampleResult& smp = u.g.samples[u.kept[k]];
      seqs.push_back({&u.g.prompt, &smp.tokens, &smp.logprobs, u.advantages[k],
                      k < u.token_offsets.size() ? &u.token_offsets[k] : nullptr, own});
    }
  }
  GrpoUpdateStats ts;
  const int mbs = std::max(1, std::min(cfg.minibatches, static_cast<int>(seqs.size())));
  GrpoConfig gc = cfg.grpo;
  if (gc.norm_length == 0) gc.norm_length = c.max_new_tokens;
  double entropy_sum = 0;
  int64_t entropy_n = 0;
  bool have_ratio = false;  // ts.ratio_min/max hold a step's figures
  for (int it = 0; it < cfg.iterations; ++it) {
    std::vector<size_t> order(seqs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    c.rng.shuffle(order);
    for (int mb = 0; mb < mbs; ++mb) {
      const size_t lo = order.size() * mb / mbs, hi = order.size() * (mb + 1) / mbs;
      std::vector<TrainSequence> part;
      for (size_t i = lo; i < hi; ++i) part.push_back(seqs[order[i]]);
      const GrpoMinibatch m = pack_grpo_minibatch(part, cfg.share_prompts);
      std::vector<float> ref_logp;
      if (gc.uses_reference()) {
        ref_logp.resize(static_cast<size_t>(m.batch.num_tokens()));
        c.reference->forward(m.batch, ref_logp.data(), c.temperature);
      }
      const int64_t total = static_cast<int64_t>(cfg.steps) * cfg.iterations * mbs;
      ts.lr = cfg.schedule.lr(cfg.optimizer.lr, c.opt.steps(), total);
      GrpoStats st;
      auto loss = [&](const std::vector<float>& logp, std::vector<float>& dlogp) {
        if (it == 0) {
          std::vector<float> ent(logp.size());
          c.model.token_entropy(ent.data());
          for (const auto& q : m.sequences) {
            for (int32_t t = 0; t < q.length; ++t) entropy_sum += ent[q.offset + t];
            entropy_n += q.length;
          }
        }
        st = grpo_loss<float>(gc, m.sequences, logp, m.old_logp, ref_logp, dlogp);
      };
      const UpdateStepResult u =
          update_step(c.model, c.opt, m.batch, c.temperature, ts.lr, cfg.bias_gamma, loss);
      ts.grad_norm = u.grad_norm;
      ts.expert_load = u.expert_load;
      ts.load_imbalance = u.load_imbalance;
      ts.optimizer_steps++;
      ts.loss += st.loss;
      ts.pg_loss += st.pg_loss;
      ts.kl += st.kl_mean;
      ts.clip += st.clip_fraction;
      ts.clip_low += st.clip_low_fraction;
      ts.clip_high += st.clip_high_fraction;
      ts.tokens += st.tokens;
      if (st.tokens > 0) {
        ts.ratio_min = have_ratio ? std::min(ts.ratio_min, st.ratio_min) : st.ratio_min;
        ts.ratio_max = have_ratio ? std::max(ts.ratio_max, st.ratio_max) : st.ratio_max;
        have_ratio = true;
      }
      ts.last = st;
    }
  }
  const double k = std::max<int64_t>(1, ts.optimizer_steps);
  ts.loss /= k;
  ts.pg_loss /= k;
  ts.kl /= k;
  ts.clip /= k;
  ts.clip_low /= k;
  ts.clip_high /= k;
  ts.entropy = entropy_n ? entropy_sum / entropy_n : 0;
  return ts;
}

}  // namespace r1
