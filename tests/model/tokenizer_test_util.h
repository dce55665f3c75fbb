// Shared helpers for the BPE tokenizer tests: where the reference tokenizers live
// (../shared/data/tokenizers next to the repository) and one loaded copy of each per process.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "model/bpe_tokenizer.h"

namespace r1::testing {

inline std::string shared_tokenizer_dir(const std::string& name) {
  return std::string(R1_SOURCE_DIR) + "/../shared/data/tokenizers/" + name;
}

// The tokenizer of ../shared/data/tokenizers/NAME, loaded once; nullptr when absent.
inline const BpeTokenizer* shared_tokenizer(const std::string& name) {
  static std::map<std::string, std::unique_ptr<BpeTokenizer>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  std::string dir = shared_tokenizer_dir(name);
  std::unique_ptr<BpeTokenizer> t;
  if (std::filesystem::exists(dir + "/tokenizer.json")) t = BpeTokenizer::load(dir);
  return (cache[name] = std::move(t)).get();
}

}  // namespace r1::testing

// Skips the test when the shared reference data is not next to the repository.
#define R1_REQUIRE_SHARED_TOKENIZER(var, name)                       \
  const r1::BpeTokenizer* var = r1::testing::shared_tokenizer(name); \
  if (!var)                                                          \
  GTEST_SKIP() << "no " << r1::testing::shared_tokenizer_dir(name)   \
               << "/tokenizer.json (the shared reference data is not next to the repository)"
