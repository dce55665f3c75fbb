#include "run/run_config.h"

#include <algorithm>

#include "core/fs.h"
#include "core/log.h"
#include "core/thread_pool.h"
#include "kernels/backend_select.h"
#include "model/byte_tokenizer.h"
#include "model/checkpoint.h"
#include "rollout/rollout_worker.h"
#include "verifiers/plugin/plugin_loader.h"

namespace r1 {

namespace {
// The run's transport key file beside its config: run.json -> run.key.
std::string default_key_file(const std::string& config_path) {
  std::string p = config_path;
  if (p.size() > 5 && p.compare(p.size() - 5, 5, ".json") == 0) p.resize(p.size() - 5);
  return p + ".key";
}
}  // namespace

void load_run_plugins(const json& run_config, const std::string& where) {
  if (!run_config.is_object()) return;  // from_json names the problem
  JsonReader r(run_config, where);
  for (const auto& p : r.get<std::vector<std::string>>("verifier_plugins", {}))
    load_verifier_plugin(p);
}

RunConfig RunConfig::load(const std::string& path) {
  json j = load_json_file(path);
  load_run_plugins(j, path);
  return from_json(j, path);
}

const ConfigFields<ModelSpec>& ModelSpec::fields() {
  using C = ModelSpec;
  static const auto f =
      ConfigFields<C>("model")
          .add("init", &C::init, "a checkpoint folder to start from, or", nullptr, unless_empty())
          .add("config", &C::config, "a model config (JSON) for a fresh model ...", nullptr,
               unless_empty())
          .add("init_seed", &C::init_seed, "... initialised with this seed")
          .add("device", &C::device,
               "where the roles run the model unless learner.device / rollout.device say")
          .add("dtype", &C::dtype,
               "fp32, or bf16: GEMMs and attention on tensor cores with fp32 master weights (CUDA "
               "only); \"\": bf16 on CUDA, fp32 on the CPU",
               must_got<std::string>(known_dtype, "must be fp32 or bf16"), unless_empty());
  return f;
}

const ConfigFields<RunConfig>& RunConfig::fields() {
  using C = RunConfig;
  static const auto f =
      ConfigFields<C>("run")
          .add("out", &C::out, "the run folder (--out overrides)")
          .add("seed", &C::seed, "the run's seed")
          .add("model", &C::model, "what the policy starts from (run.model below)")
          .required()
          .add("chat_template", &C::chat, "how a question becomes a prompt (model/chat_template.h)")
          .add("tasks", &C::tasks, "the task stream (tasks below)")
          .required()
          .add("rollout", &C::rollout, "sampling and generation (rollout below)")
          .add("reward", &C::reward,
               "verifiers and weights (reward below); absent: the task's own verifier")
          .add_group(
              "reward_service", "the reward role",
              ConfigFields<C>("reward_service")
                  .add("threads", &C::reward_threads, "verifier threads",
                       in_range<int>(1, kMaxThreads, cat("must be in [1, ", kMaxThreads, "]"))))
          .add("learner", &C::learner, "the update (learner below)")
          .add("transport", &C::transport, "channels and guards (transport below)")
          .add("verifier_plugins", &C::verifier_plugins,
               "shared libraries of verifiers, loaded where the run starts");
  return f;
}

RunConfig RunConfig::from_json(const json& j, const std::string& path) {
  RunConfig c = fields().read(j, path);
  c.path = path;
  JsonReader r(j, path);
  if (c.model.init.empty() == c.model.config.empty()) {
    r.fail_field(
        "model",
        "give exactly one of \"init\" (a checkpoint folder) or \"config\" (a model config)");
  }
  if (!c.model.init.empty() && !file_exists(join_path(c.model.init, "config.json"))) {
    r.fail_field("model",
                 cat("\"init\": ", c.model.init, " is not a checkpoint folder (no config.json)"));
  }
  // Devices fail now, before any work.
  backend_for(c.model.device, c.model.dtype, cat(path, ": field 'model.device'"), cat(path, ": field 'model.dtype'"));
  c.learner_backend();
  c.rollout_backend();
  c.shares_weights();  // "on" where the roles cannot share fails now
  if (c.transport.key_file.empty()) c.transport.key_file = default_key_file(path);
  // Cross-section checks.
  for (const std::string& w : c.warnings()) log_warn(path, ": ", w);
  if (c.reward.overlong && c.reward.overlong->max_tokens != c.rollout.max_new_tokens) {
    fail(path, ": field 'reward': overlong.max_tokens (", c.reward.overlong->max_tokens,
         ") should equal rollout.max_new_tokens (", c.rollout.max_new_tokens, ")");
  }
  for (auto [name, mb] : {std::pair{"rollouts", c.transport.max_message_mb.rollouts},
                          std::pair{"scored", c.transport.max_message_mb.scored}}) {
    // A completion's token ids travel as one frame of 4 bytes per token.
    if (mb * (1 << 20) < 4.0 * c.rollout.max_new_tokens) {
      fail(path, ": field 'transport': max_message_mb.", name, " = ", mb,
           " cannot carry a completion of ", c.rollout.max_new_tokens,
           " tokens (rollout.max_new_tokens)");
    }
  }
  ModelConfig mc = c.model_config();
  const int context = std::min(mc.max_position_embeddings, kMaxRolloutContext);
  if (c.rollout.max_new_tokens >= context) {
    fail(path, ": field 'rollout': max_new_tokens ", c.rollout.max_new_tokens,
         " leaves no room for a prompt in the ", context,
         " positions a rollout worker holds (the model's max_position_embeddings, at most ",
         kMaxRolloutContext, ")");
  }
  return c;
}

std::vector<std::string> RunConfig::warnings() const {
  std::vector<std::string> out;
  // The qwen template without thinking writes an empty think block into the prompt, where the
  // verifiers do not see it: a format component then pays the policy to write a second one.
  if (chat.name == "qwen" && !chat.enable_thinking) {
    for (const auto& comp : reward.components) {
      if (comp.verifier != "format" || comp.weight == 0.0) continue;
      const json& t = comp.options.contains("think_tag") ? comp.options["think_tag"] : json();
      const std::string tag = t.is_string() ? t.get<std::string>() : "think";  // else: the
      // verifier names its bad option when made
      if (chat.completion_prefix.find("<" + tag + ">") != std::string::npos) continue;
      out.push_back(cat("reward component '", comp.name, "' pays for a <", tag,
                        "> block, and chat_template qwen with enable_thinking false puts an empty "
                        "one in the prompt, not in the completion: the policy is paid to write "
                        "another (set its weight to 0, or enable thinking)"));
    }
  }
  return out;
}

json RunConfig::resolved() const {
  return fields().write(*this);
}

const Backend<float>& RunConfig::learner_backend() const {
  if (learner.device.empty()) return backend_for(model.device, model.dtype, cat(path, ": field 'model.device'"),
                                                  cat(path, ": field 'model.dtype'"));
  return backend_for(learner.device, model.dtype, cat(path, ": field 'learner.device'"),
                     cat(path, ": field 'model.dtype'"));
}

const Backend<float>& RunConfig::rollout_backend() const {
  if (rollout.device.empty()) return backend_for(model.device, model.dtype, cat(path, ": field 'model.device'"),
                                                  cat(path, ": field 'model.dtype'"));
  return backend_for(rollout.device, model.dtype, cat(path, ": field 'rollout.device'"),
                     cat(path, ": field 'model.dtype'"));
}

bool RunConfig::shares_weights() const {
  const std::string& mode = rollout.share_weights;
  if (mode == "off") return false;
  const Backend<float>& learner_be = learner_backend();
  const Backend<float>& rollout_be = rollout_backend();
  const bool one_device = &learner_be == &rollout_be;
  const bool inproc = transport.weights.rfind("inproc://", 0) == 0;
  if (mode == "on") {
    if (!one_device) {
      fail(path, ": field 'rollout.share_weights' is \"on\", but the learner runs on ",
           learner_be.name, " and the rollout workers on ", rollout_be.name,
           " (sharing needs one device and one dtype; set it to \"auto\" or \"off\")");
    }
    if (!inproc) {
      fail(path, ": field 'rollout.share_weights' is \"on\", but the weights channel is ",
           transport.weights,
           ", not inproc://: workers of other processes could not read shared weights (set it "
           "to \"auto\" or \"off\")");
    }
    return true;
  }
  // auto: on a GPU, where a copy is a device-to-host-to-device round trip of every weight.
  return one_device && inproc && !learner_be.mem.host_addressable;
}

ModelConfig RunConfig::model_config() const {
  if (!model.init.empty()) return ModelConfig::load(join_path(model.init, "config.json"));
  return ModelConfig::load(model.config);
}

std::unique_ptr<Model<float>> RunConfig::initial_model() const {
  const Backend<float>& be = learner_backend();
  if (!model.init.empty()) return load_model(model.init, be);
  auto m = std::make_unique<Model<float>>(ModelConfig::load(model.config), be);
  m->init_weights(model.init_seed);
  return m;
}

std::unique_ptr<Tokenizer> RunConfig::tokenizer() const {
  if (!model.init.empty()) return load_tokenizer(model.init);
  return std::make_unique<ByteTokenizer>();
}

void RunConfig::warn_if_nothing_held_out(bool resume) const {
  if (resume || !tasks.holdout.empty()) return;
  log_warn(
      "tasks.holdout is empty: training may meet the problems of suites you evaluate on "
      "later (a new seed does not hold a suite out; docs/eval.md). Name your eval suites "
      "there, or use r1 pipeline, which does.");
}

}  // namespace r1
