#include "tasks/selfplay/buffer_file.h"

#include "core/error.h"
#include "tasks/selfplay/task_buffer.h"

namespace r1 {

bool is_buffer_origin_filter(const std::string& which) {
  return which == "proposed" || which == "seed" || which == "all";
}

std::vector<json> buffer_file_lines(const json& trainer_state, const std::string& where,
                                    const std::string& which) {
  R1_CHECK(is_buffer_origin_filter(which), "buffer_file_lines: unknown filter ", which);
  const json* buffers = nullptr;
  if (trainer_state.is_object() && trainer_state.contains("task_source") &&
      trainer_state["task_source"].is_object() &&
      trainer_state["task_source"].contains("self_play"))
    buffers = &trainer_state["task_source"]["self_play"];
  if (!buffers || !buffers->is_object() || buffers->empty())
    fail(where, ": no self-play buffer (task_source.self_play): not a self-play run's checkpoint");
  // One self-play entry per run (the task source refuses two); its mix index is the key.
  const json& state = buffers->begin().value();
  if (!state.is_object() || !state.contains("entries") || !state["entries"].is_array())
    fail(where, ": task_source.self_play holds no entries");
  // Ids are the entries' keys (program and inputs, hashed): an entry keeps its id whatever
  // leaves the buffer, and the same triplet has the same id in any run's file.
  const json& entries = state["entries"];
  std::vector<json> lines;
  size_t n = 0;
  for (const json& e : entries) {
    const Triplet t = Triplet::from_json(e, cat(where, ": buffer entry ", n));
    ++n;
    const bool proposed = t.origin == "proposed";
    if ((which == "proposed" && !proposed) || (which == "seed" && proposed)) continue;
    json line = {{"id", cat("buffer-", t.key)},
                 {"program", t.program},
                 {"entry", t.entry},
                 {"inputs", t.inputs},
                 {"outputs", t.outputs},
                 {"origin", t.origin},
                 {"step", t.step},
                 {"attempts", t.attempts},
                 {"solved", t.solved}};
    if (t.fixed_points.size() == t.inputs.size()) line["fixed_points"] = t.fixed_points;
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace r1
