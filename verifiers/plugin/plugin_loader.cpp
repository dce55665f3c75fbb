#include "verifiers/plugin/plugin_loader.h"

#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <map>
#include <mutex>

#include "verifiers/completion.h"
#include "verifiers/plugin/plugin_abi.h"
#include "verifiers/registry.h"

namespace r1 {

namespace {

class PluginVerifier : public Verifier {
 public:
  PluginVerifier(r1_verifier_v1 api, void* instance, std::string library)
      : api_(api), instance_(instance), library_(std::move(library)) {}
  ~PluginVerifier() override {
    if (api_.destroy && instance_) api_.destroy(instance_);
  }

  std::string name() const override { return api_.name; }

  Verdict verify(const Task& task, const std::string& completion) override {
    std::string meta = task.meta.dump(-1, ' ', false, json::error_handler_t::replace);
    std::string whole = task.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
    r1_task_v1 t{task.id.c_str(),     task.family.c_str(),   task.prompt.c_str(),
                 task.answer.c_str(), task.verifier.c_str(), task.difficulty,
                 meta.c_str(),        task.tests.c_str(),    task.entry_point.c_str(),
                 whole.c_str()};
    r1_verdict_v1 out;
    std::memset(&out, 0, sizeof out);
    int rc = api_.verify(instance_, &t, completion.c_str(), completion.size(), &out);
    out.reason[R1_REASON_MAX - 1] = '\0';
    std::string details_text;
    if (out.details_json) {
      details_text = out.details_json;
      if (api_.free_string) api_.free_string(out.details_json);
    }
    Verdict v;
    if (rc != 0) {
      v.verifier_error = true;
      v.reason = "plugin_error";
      v.details = {{"plugin", library_}, {"code", rc}, {"plugin_reason", valid_utf8(out.reason)}};
      return v;
    }
    if (!std::isfinite(out.score) || out.score < 0.0 || out.score > 1.0) {
      v.verifier_error = true;
      v.reason = "plugin_bad_verdict";
      v.details = {{"plugin", library_}, {"score", std::isfinite(out.score) ? out.score : -1.0}};
      return v;
    }
    v.score = out.score;
    v.correct = out.correct != 0;
    v.format_ok = out.format_ok != 0;
    v.verifier_error = out.verifier_error != 0;
    v.reason = valid_utf8(out.reason);
    if (!details_text.empty()) {
      try {
        json d = parse_json(details_text, "plugin details");
        if (d.is_object())
          v.details = std::move(d);
        else
          v.details = {{"plugin_details", d}};
      } catch (const Error&) {
        v.details = {{"plugin_details_unparseable", snippet(details_text, 200)}};
      }
    }
    // An error the plugin reports itself may be the completion's: verify_guarded asks the gold
    // control about it, as about an error code.
    if (v.verifier_error) v.details["reported_by_verifier"] = true;
    return v;
  }

 private:
  r1_verifier_v1 api_;
  void* instance_;
  std::string library_;
};

struct Loaded {
  std::mutex mu;
  // By dlopen's handle: the library, however its path was spelt or searched for ("./p.so" and
  // "p.so" found on the library path are one library, and registering its names twice is an
  // error).
  std::map<void*, std::vector<std::string>> by_handle;
};

Loaded& loaded() {
  static Loaded* l = new Loaded;  // plugins stay loaded for the life of the process
  return *l;
}

struct HostData {
  std::string library;
  std::vector<std::string> names;
  std::string error;
};

int add_verifier(void* host_data, const r1_verifier_v1* v) {
  auto* h = static_cast<HostData*>(host_data);
  if (!v || !v->name || !*v->name || !v->create || !v->verify) {
    h->error = "add_verifier: a verifier needs a name, create and verify";
    return 1;
  }
  r1_verifier_v1 api = *v;
  std::string library = h->library;
  std::string name = api.name;
  try {
    register_verifier(
        name,
        [api, library, name](const json& options) -> std::unique_ptr<Verifier> {
          std::string text = options.dump();
          const char* err = nullptr;
          void* inst = api.create(text.c_str(), &err);
          if (!inst)
            fail("verifier '", name, "' from plugin ", library, ": ", err ? err : "create failed");
          return std::make_unique<PluginVerifier>(api, inst, library);
        },
        "plugin " + library);
  } catch (const Error& e) {
    h->error = e.what();  // a name already taken
    return 1;
  }
  h->names.push_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> load_verifier_plugin(const std::string& path) {
  // dlopen("") is the program itself, which has no verifiers to register.
  if (path.empty()) fail("verifier plugin: the path is empty (give the shared library's file)");
  Loaded& l = loaded();
  std::lock_guard<std::mutex> lock(l.mu);
  // RTLD_LOCAL: two plugins may use the same internal symbol names. Never dlclose: verifier
  // instances made from the plugin may live until the process ends.
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) fail("verifier plugin ", path, ": ", dlerror());
  if (auto it = l.by_handle.find(lib); it != l.by_handle.end()) return it->second;
  auto entry = reinterpret_cast<r1_register_verifiers_fn>(dlsym(lib, R1_VERIFIER_PLUGIN_ENTRY));
  if (!entry)
    fail("verifier plugin ", path, ": no symbol ", R1_VERIFIER_PLUGIN_ENTRY,
         " (see verifiers/plugin/plugin_abi.h)");
  HostData data;
  data.library = path;
  r1_host_v1 host{R1_VERIFIER_ABI_VERSION, &data, add_verifier};
  int rc = entry(&host);
  if (!data.error.empty()) fail("verifier plugin ", path, ": ", data.error);
  if (rc != 0) fail("verifier plugin ", path, ": ", R1_VERIFIER_PLUGIN_ENTRY, " returned ", rc);
  if (data.names.empty()) fail("verifier plugin ", path, ": registered no verifiers");
  l.by_handle[lib] = data.names;
  return data.names;
}

}  // namespace r1
