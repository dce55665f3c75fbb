// A self-play run's task buffer written as a triplet file: one JSON line per entry, the form
// the `deduction:FILE` and `abduction:FILE` suites read (tasks/datasets.cpp), with each
// entry's provenance beside it. So the tasks a policy proposed can be sampled on again: r1
// rejection-sample on them (the R1 recipe's rejection-sampling SFT on self-proposed tasks), or
// r1 eval on another checkpoint. `r1 buffer` writes it from a run's checkpoint.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace r1 {

// Which entries: "proposed" (the policy's own, the default), "seed" (the seed generators')
// or "all".
bool is_buffer_origin_filter(const std::string& which);

// The lines for the buffer in a checkpoint's trainer_state.json (task_source.self_play), oldest
// entry first: {"id", "program", "entry", "inputs", "outputs", "fixed_points" (where known),
// "origin", "step", "attempts", "solved"}. Ids are "buffer-KEY", the entry's key (its program
// and inputs, hashed): stable whatever leaves the buffer, the same for the same triplet in any
// run. An induction message is not written. Throws naming `where` when the state
// holds no self-play buffer or an entry cannot be read.
std::vector<json> buffer_file_lines(const json& trainer_state, const std::string& where,
                                    const std::string& which);

}  // namespace r1
