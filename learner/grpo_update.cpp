#include "learner/grpo_update.h"

#include <algorithm>

#include "learner/update_step.h"

namespace r1 {

GrpoMinibatch pack_grpo_minibatch(const std::vector<TrainSequence>& seqs) {
  GrpoMinibatch mb;
  for (const TrainSequence& q : seqs) {
    std::vector<int32_t> full = *q.prompt;
    full.insert(full.end(), q.completion->begin(), q.completion->end());
    mb.batch.add(full);
    mb.sequences.push_back(completion_span(mb.batch, mb.batch.num_seqs() - 1,
                                           static_cast<int>(q.prompt->size()), q.advantage));
  }
  mb.old_logp.assign(static_cast<size_t>(mb.batch.num_tokens()), 0.0f);
  for (size_t k = 0; k < seqs.size(); ++k) {
    const auto& lp = *seqs[k].logprobs;
    std::copy(lp.begin(), lp.end(), mb.old_logp.begin() + mb.sequences[k].offset);
  }
  return mb;
}

GrpoUpdateStats grpo_update(GrpoUpdateContext& c, const std::vector<UsableGroup>& batch) {
  const LearnerConfig& cfg = c.cfg;
  std::vector<TrainSequence> seqs;
  for (const auto& u : batch) {
    for (size_t k = 0; k < u.kept.size(); ++k) {
      const SampleResult& smp = u.g.samples[u.kept[k]];
      seqs.push_back({&u.g.prompt, &smp.tokens, &smp.logprobs, u.advantages[k]});
    }
  }
  GrpoUpdateStats ts;
  const int mbs = std::max(1, std::min(cfg.minibatches, static_cast<int>(seqs.size())));
  GrpoConfig gc = cfg.grpo;
  if (gc.norm_length == 0) gc.norm_length = c.max_new_tokens;
  double entropy_sum = 0;
  int64_t entropy_n = 0;
  for (int it = 0; it < cfg.iterations; ++it) {
    std::vector<size_t> order(seqs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    c.rng.shuffle(order);
    for (int mb = 0; mb < mbs; ++mb) {
      const size_t lo = order.size() * mb / mbs, hi = order.size() * (mb + 1) / mbs;
      std::vector<TrainSequence> part;
      for (size_t i = lo; i < hi; ++i) part.push_back(seqs[order[i]]);
      const GrpoMinibatch m = pack_grpo_minibatch(part);
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
