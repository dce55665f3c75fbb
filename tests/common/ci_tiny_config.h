// configs/ci-tiny.json as a JSON value, with a fresh tiny-moe model in place of its checkpoint,
// for tests of RunConfig that need no trained weights.
#pragma once
#include <string>

#include "core/fs.h"
#include "core/json.h"

namespace r1::testing {

inline json ci_tiny_fresh_model() {
  json j = json::parse(read_file(std::string(R1_SOURCE_DIR) + "/configs/ci-tiny.json"));
  j["model"] = {{"config", std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json"}};
  return j;
}

}  // namespace r1::testing
