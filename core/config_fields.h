// One field list per config section: each field's JSON name, its member, its help text and its
// check, written once. Parsing (read), validation, the resolved config (write) and the reference
// docs (markdown) all read the same list. Defaults are the struct's member initialisers. An
// unknown field is an error naming the file and the field, as everywhere (core/json.h).
//
//   const ConfigFields<OptimizerConfig>& OptimizerConfig::fields() {
//     static const auto f = ConfigFields<OptimizerConfig>("optimizer")
//         .add("lr", &OptimizerConfig::lr, "peak learning rate",
//              must<double>([](double v) { return v > 0; }, "must be positive"));
//     return f;
//   }
//
// A nested section is a field whose type has its own from_json/to_json (read from
// `where: field 'x'`; a missing one reads as {}).
// Checks that involve several fields stay in the section's from_json, after read().
#pragma once
#include <cmath>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core/json.h"

namespace r1 {

// A check on one value: nullopt when it passes, else the message ("must be >= 1").
template <typename T>
using FieldCheck = std::function<std::optional<std::string>(const T&)>;

// A check from a predicate and the message it gives when the predicate fails.
template <typename T>
FieldCheck<T> must(std::function<bool(const T&)> ok, std::string msg) {
  return [ok = std::move(ok), msg = std::move(msg)](const T& v) -> std::optional<std::string> {
    if (ok(v)) return std::nullopt;
    return msg;
  };
}

// The most common check: v >= lo, with the given message ("must be >= 1").
template <typename T>
FieldCheck<T> at_least(T lo, std::string msg) {
  return must<T>([lo](const T& v) { return v >= lo; }, std::move(msg));
}

// A write_if for optional text fields: written only when set (e.g. an empty device, meaning
// "inherit", stays out of the resolved config).
inline std::function<bool(const std::string&)> unless_empty() {
  return [](const std::string& s) { return !s.empty(); };
}

template <typename C>
class ConfigFields {
 public:
  explicit ConfigFields(std::string section) : section_(std::move(section)) {}

  // A field of a plain type (bool, integer, floating point, string, list of strings) or a nested
  // section (a type with from_json/to_json). `write_if` (optional) leaves the field out of
  // write() when it returns false, e.g. an empty device meaning "inherit".
  template <typename T>
  ConfigFields&& add(const char* name, T C::*member, const char* help,
                     FieldCheck<T> check = nullptr,
                     std::function<bool(const T&)> write_if = nullptr) && {
    return std::move(*this).template add<T>(
        name, [member](C& c) -> T& { return c.*member; }, help, std::move(check),
        std::move(write_if));
  }
  // The same for a value that is not a direct member (e.g. c.sampling.temperature, flattened
  // into the section): `ref` returns it. Call as add<double>("temperature", ...).
  template <typename T>
  ConfigFields&& add(const char* name, std::function<T&(C&)> ref, const char* help,
                     FieldCheck<T> check = nullptr,
                     std::function<bool(const T&)> write_if = nullptr) && {
    // Reading a const config through ref is safe: write, default_text, check and write_if only
    // read the value.
    auto get = [ref](const C& c) -> const T& { return ref(const_cast<C&>(c)); };
    Field f;
    f.name = name;
    f.help = help;
    if constexpr (has_fields<T>) {
      f.read = [name, ref](JsonReader& r, C& c) {
        const std::string where = cat(r.where(), ": field '", name, "'");
        ref(c) = T::from_json(r.has(name) ? r.raw(name) : json::object(), where);
      };
      f.write = [get](const C& c) { return get(c).to_json(); };
      f.default_text = [](const C&) { return std::string("(section)"); };
      f.check = [](JsonReader&, const C&) {};
    } else {
      f.read = [name, ref](JsonReader& r, C& c) { ref(c) = r.get<T>(name, ref(c)); };
      f.write = [get](const C& c) { return json(get(c)); };
      f.default_text = [get](const C& c) { return json(get(c)).dump(); };
      f.check = [name, get, check](JsonReader& r, const C& c) {
        if (!check) return;
        if (auto msg = check(get(c))) r.fail_field(name, *msg);
      };
    }
    if (write_if) {
      f.written = [get, write_if](const C& c) { return write_if(get(c)); };
    }
    fields_.push_back(std::move(f));
    return std::move(*this);
  }

  // Reads every field (a missing one keeps the struct's default), rejects unknown fields, then
  // runs each field's check in list order.
  C read(const json& j, const std::string& where) const {
    JsonReader r(j, where);
    C c;
    for (const Field& f : fields_) f.read(r, c);
    r.done();
    for (const Field& f : fields_) f.check(r, c);
    return c;
  }

  // Every field, in list order: the resolved config.
  json write(const C& c) const {
    json j = json::object();
    for (const Field& f : fields_) {
      if (!f.written || f.written(c)) j[f.name] = f.write(c);
    }
    return j;
  }

  // The reference table of the section: field, default, meaning.
  std::string markdown() const {
    const C defaults{};
    std::ostringstream s;
    s << "| `" << section_ << "` field | default | meaning |\n|---|---|---|\n";
    for (const Field& f : fields_) {
      s << "| `" << f.name << "` | `" << f.default_text(defaults) << "` | " << f.help << " |\n";
    }
    return s.str();
  }
  const std::string& section() const { return section_; }

 private:
  // A nested section: a type that reads and writes itself.
  template <typename T>
  static constexpr bool has_fields = requires(const T& t) {
    T::from_json(json(), std::string());
    t.to_json();
  };

  struct Field {
    std::string name, help;
    std::function<void(JsonReader&, C&)> read;
    std::function<json(const C&)> write;
    std::function<std::string(const C&)> default_text;
    std::function<void(JsonReader&, const C&)> check;
    std::function<bool(const C&)> written;
  };
  std::string section_;
  std::vector<Field> fields_;
};

}  // namespace r1
