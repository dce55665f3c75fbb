#include "learner/run_checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/file_checksums.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/stop.h"
#include "model/checkpoint.h"

namespace r1 {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStateFile = "trainer_state.json";
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kLatestFile = "latest";

// "step-000123" -> 123; nullopt for anything else (temp folders, stray files).
std::optional<int64_t> parse_step_name(const std::string& name) {
  if (name.size() <= 5 || name.compare(0, 5, "step-") != 0) return std::nullopt;
  int64_t v = 0;
  for (size_t i = 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || v > (INT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

bool is_complete(const fs::path& dir) {
  for (const char* f : {"model.safetensors", "config.json", kStateFile}) {
    if (!fs::exists(dir / f)) return false;
  }
  return true;
}

// Makes a rename inside `dir` durable.
void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: the rename itself is already atomic
  ::fsync(fd);
  ::close(fd);
}

void remove_leftovers(const fs::path& ckpts) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(ckpts, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(".tmp-", 0) == 0 || name.rfind(".old-", 0) == 0) {
      log_info("removing an unfinished checkpoint folder from an earlier run: ", e.path().string());
      fs::remove_all(e.path(), ec);
    }
  }
}

}  // namespace

std::string checkpoint_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%06lld", static_cast<long long>(step));
  return buf;
}

std::string checkpoints_dir(const std::string& run_dir) {
  return join_path(run_dir, "checkpoints");
}

std::string save_run_checkpoint(const std::string& run_dir, int64_t step, const Model<float>& model,
                                const Tokenizer& tokenizer, const AdamW* opt, const json& state,
                                int keep_last) {
  if (!state.is_object())
    fail("save_run_checkpoint: the trainer state must be a JSON object, got ",
         json_type_name(state));
  if (step < 0) fail("save_run_checkpoint: negative step ", step);
  CheckpointWriteGuard finish_first;  // a stop request lets this write complete
  const fs::path ckpts = checkpoints_dir(run_dir);
  make_dirs(ckpts.string());
  remove_leftovers(ckpts);
  const std::string name = checkpoint_name(step);
  const fs::path tmp = ckpts / (".tmp-" + name + "-" + std::to_string(::getpid()));
  const fs::path final_dir = ckpts / name;

  save_checkpoint(tmp.string(), model, tokenizer);
  if (opt) {
    opt->save((tmp / kOptimizerFile).string());
    record_file_checksum(tmp.string(), kOptimizerFile);
  }
  json st = state;
  st["step"] = step;
  // Written last: is_complete() also requires it, in case a folder was copied by hand.
  write_file_atomic((tmp / kStateFile).string(), st.dump(2) + "\n");
  fsync_dir(tmp.string());

  std::error_code ec;
  fs::path old;
  if (fs::exists(final_dir)) {  // re-saving a step (e.g. after a resume from it)
    old = ckpts / (".old-" + name + "-" + std::to_string(::getpid()));
    fs::rename(final_dir, old, ec);
    if (ec) fail(final_dir.string(), ": cannot move the previous checkpoint aside: ", ec.message());
  }
  fs::rename(tmp, final_dir, ec);
  if (ec) fail(tmp.string(), ": cannot rename into ", final_dir.string(), ": ", ec.message());
  fsync_dir(ckpts.string());
  if (!old.empty()) fs::remove_all(old, ec);
  write_file_atomic((ckpts / kLatestFile).string(), name + "\n");

  if (keep_last > 0) {
    auto all = list_checkpoints(run_dir);
    for (size_t i = 0; i + keep_last < all.size(); ++i) {
      if (all[i].step == step) continue;
      fs::remove_all(all[i].dir, ec);
      if (ec) log_warn("cannot prune old checkpoint ", all[i].dir, ": ", ec.message());
    }
  }
  return final_dir.string();
}

std::string write_final_model(const std::string& run_dir, const Model<float>& model,
                              const Tokenizer& tokenizer) {
  const fs::path final_dir = fs::path(run_dir) / "final";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run_dir, ec)) {
    if (e.path().filename().string().starts_with(".final.tmp-")) fs::remove_all(e.path(), ec);
  }
  const fs::path tmp = fs::path(run_dir) / (".final.tmp-" + std::to_string(::getpid()));
  save_checkpoint(tmp.string(), model, tokenizer);
  fs::remove_all(final_dir);
  fs::rename(tmp, final_dir, ec);
  if (ec) fail(tmp.string(), ": cannot rename into ", final_dir.string(), ": ", ec.message());
  return final_dir.string();
}

void check_not_a_model_folder(const std::string& dir, const std::string& flag) {
  for (const char* f : {"model.safetensors", "model.safetensors.index.json"}) {
    if (file_exists(join_path(dir, f)))
      fail(dir, ": holds a model (", f,
           "), not a run; writing a run there would replace its "
           "config.json: give ",
           flag, " a folder of its own");
  }
}

std::vector<CheckpointRef> list_checkpoints(const std::string& run_dir) {
  std::vector<CheckpointRef> out;
  const fs::path ckpts = checkpoints_dir(run_dir);
  std::error_code ec;
  if (!fs::is_directory(ckpts, ec)) return out;
  for (const auto& e : fs::directory_iterator(ckpts, ec)) {
    if (!e.is_directory()) continue;
    auto step = parse_step_name(e.path().filename().string());
    if (!step) continue;
    if (!is_complete(e.path())) {
      log_warn("ignoring incomplete checkpoint folder ", e.path().string());
      continue;
    }
    out.push_back({e.path().string(), *step});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
  return out;
}

std::optional<CheckpointRef> find_latest_checkpoint(const std::string& run_dir) {
  auto all = list_checkpoints(run_dir);
  if (all.empty()) return std::nullopt;
  return all.back();
}

void check_checkpoint_config(const std::string& ckpt_dir, const ModelConfig& cfg) {
  const std::string path = join_path(ckpt_dir, "config.json");
  if (!file_exists(path)) fail(ckpt_dir, ": no config.json in the checkpoint");
  json saved = load_json_file(path);
  const ModelConfig ck = ModelConfig::from_json(saved, path);
  const json a = ck.to_json(), b = cfg.to_json();
  std::string diffs;
  for (auto it = b.begin(); it != b.end(); ++it) {
    if (!a.contains(it.key()) || a.at(it.key()) != it.value()) {
      diffs += cat(diffs.empty() ? "" : ", ", it.key(), " ",
                   a.contains(it.key()) ? a.at(it.key()).dump() : "(absent)",
                   " in the checkpoint vs ", it.value().dump(), " in the run");
    }
  }
  if (!diffs.empty()) fail(ckpt_dir, ": the checkpoint does not match the model config: ", diffs);
}

json load_run_checkpoint(const std::string& ckpt_dir, Model<float>& model, AdamW* opt) {
  if (!fs::is_directory(ckpt_dir)) fail(ckpt_dir, ": checkpoint folder does not exist");
  const std::string state_path = join_path(ckpt_dir, kStateFile);
  if (!file_exists(state_path))
    fail(ckpt_dir, ": no ", kStateFile, " (not a run checkpoint, or an incomplete one)");
  check_checkpoint_config(ckpt_dir, model.config());
  load_weights(join_path(ckpt_dir, "model.safetensors"), model);
  if (opt) {
    const std::string opt_path = join_path(ckpt_dir, kOptimizerFile);
    if (!file_exists(opt_path))
      fail(ckpt_dir, ": no ", kOptimizerFile, " to restore the optimizer from");
    opt->load(opt_path);
  }
  json st = load_json_file(state_path);
  if (!st.is_object() || !st.contains("step") || !st["step"].is_number_integer()) {
    fail(state_path, ": expected an object with an integer 'step'");
  }
  // The step a resume continues from: the folder's own (save_run_checkpoint names it by it).
  const int64_t step = st["step"].get<int64_t>();
  std::string folder = ckpt_dir;
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  const std::string name = fs::path(folder).filename().string();
  const std::optional<int64_t> named = parse_step_name(name);
  if (step < 0 || (named && *named != step))
    fail(state_path, ": 'step' is ", step, ", not the step of the checkpoint folder ", name);
  return st;
}

}  // namespace r1
