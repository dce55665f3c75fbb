#include "verifiers/registry.h"

#include <map>
#include <mutex>

#include "verifiers/builtin.h"

namespace r1 {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, VerifierFactory> factories;
};

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    // Built-ins go in before anyone can look up or add a name.
    register_builtin_verifiers([reg](const std::string& name, VerifierFactory f) {
      reg->factories[name] = std::move(f);
    });
    return reg;
  }();
  return *r;
}

}  // namespace

void register_verifier(const std::string& name, VerifierFactory factory) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.factories[name] = std::move(factory);
}

bool has_verifier(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.factories.count(name) > 0;
}

std::unique_ptr<Verifier> make_verifier(const std::string& name, const json& options) {
  VerifierFactory f;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.factories.find(name);
    if (it == r.factories.end()) {
      std::string known;
      for (const auto& [n, _] : r.factories) known += (known.empty() ? "" : ", ") + n;
      fail("unknown verifier '", name, "' (known: ", known.empty() ? "none" : known, ")");
    }
    f = it->second;
  }
  return f(options);
}

std::vector<std::string> verifier_names() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> out;
  for (const auto& [n, _] : r.factories) out.push_back(n);
  return out;
}

}  // namespace r1
