#include "verifiers/registry.h"

#include <map>
#include <mutex>

#include "verifiers/builtin.h"

namespace r1 {
namespace {

struct Registered {
  VerifierFactory factory;
  std::string origin;  // "built in", "plugin <path>", ...: named when the name is taken again
};

struct Registry {
  std::mutex mu;
  std::map<std::string, Registered> factories;
};

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    // Built-ins go in before anyone can look up or add a name.
    register_builtin_verifiers([reg](const std::string& name, VerifierFactory f) {
      reg->factories[name] = Registered{std::move(f), "built in"};
    });
    return reg;
  }();
  return *r;
}

}  // namespace

void register_verifier(const std::string& name, VerifierFactory factory,
                       const std::string& origin) {
  if (name.empty()) fail("a verifier needs a name (", origin, ")");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto [it, added] = r.factories.try_emplace(name, Registered{std::move(factory), origin});
  // Replacing silently would let a plugin take over "math" for every task that names it, and a
  // second plugin's verifier shadow the first's, with no sign in the run of which one judged.
  if (!added)
    fail("verifier '", name, "' (", origin, ") is already registered (", it->second.origin,
         "); give it another name");
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
    f = it->second.factory;
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
