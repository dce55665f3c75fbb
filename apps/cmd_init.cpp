// r1 init: a freshly initialised model checkpoint.
#include <cstdio>
#include <filesystem>

#include "core/args.h"
#include "apps/commands.h"
#include "core/log.h"
#include "model/byte_tokenizer.h"
#include "model/checkpoint.h"

namespace r1 {

int cmd_init(int argc, char** argv) {
  Args args("init", "Create a checkpoint folder with randomly initialised weights and the byte tokenizer.");
  args.required("model-config", "FILE", "model architecture (HF-style config.json, e.g. configs/models/small-moe.json)")
      .required("out", "DIR", "checkpoint folder to write")
      .opt("seed", "S", "initialisation seed", "0");
  if (!args.parse(argc, argv)) return 0;
  const uint64_t seed = args.seed();
  ModelConfig cfg = ModelConfig::load(args.str("model-config"));
  // A fresh model over a folder that holds anything would replace a model or a run's files.
  const std::string out = args.str("out");
  std::error_code ec;
  if (std::filesystem::exists(out, ec) &&
      (!std::filesystem::is_directory(out, ec) || !std::filesystem::is_empty(out, ec)))
    fail("--out: ", out, " already exists and is not an empty folder; choose another");
  ByteTokenizer tok;
  if (cfg.vocab_size < tok.vocab_size()) {
    fail(args.str("model-config"), ": field 'vocab_size': ", cfg.vocab_size, " is smaller than the byte tokenizer's ",
         tok.vocab_size(), " tokens");
  }
  Model<float> model(cfg);
  model.init_weights(seed);
  save_checkpoint(args.str("out"), model, tok);
  std::printf("wrote %s: %zu parameters (%.2fM), seed %llu\n", args.str("out").c_str(), model.num_params(),
              model.num_params() / 1e6, static_cast<unsigned long long>(seed));
  return 0;
}

}  // namespace r1
