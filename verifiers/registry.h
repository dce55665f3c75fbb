// Verifiers by name. Built-in verifiers are registered by register_builtin_verifiers() (called
// on first use); users add their own with register_verifier() or a plugin library, under names not
// yet taken. A verifier's verify() must be safe to call from several threads at once.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "verifiers/verifier.h"

namespace r1 {

// Makes a verifier from its options (the JSON object under the verifier's name in a config;
// {} when none are given).
using VerifierFactory = std::function<std::unique_ptr<Verifier>(const json& options)>;

// Throws when the name is taken (a built-in's included), naming both origins: a verifier is never
// replaced. `origin` says where this one comes from, for that message.
void register_verifier(const std::string& name, VerifierFactory factory,
                       const std::string& origin = "register_verifier");
bool has_verifier(const std::string& name);
// Throws naming the verifier and listing the known ones when `name` is unknown.
std::unique_ptr<Verifier> make_verifier(const std::string& name, const json& options = json::object());
std::vector<std::string> verifier_names();

}  // namespace r1
