// Loads verifier plugins (plugin_abi.h) and registers their verifiers by name.
#pragma once
#include <string>
#include <vector>

namespace r1 {

// dlopens `path`, calls its r1_register_verifiers and registers every verifier it adds.
// Returns their names. Loading the same path again returns the same names without reloading.
// Throws naming the library when it cannot be opened, lacks the entry point, or fails.
std::vector<std::string> load_verifier_plugin(const std::string& path);

}  // namespace r1
