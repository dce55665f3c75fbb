// One field list per config section: each field's JSON name, its member, its help text and its
// check, written once. Parsing (read), validation, the resolved config (write) and the reference
// docs (markdown, docs/config-reference.md) all read the same list. Defaults are the struct's
// member initialisers. An unknown field is an error naming the file and the field, as everywhere
// (core/json.h).
//
//   const ConfigFields<OptimizerConfig>& OptimizerConfig::fields() {
//     static const auto f = ConfigFields<OptimizerConfig>("optimizer")
//         .add("lr", &OptimizerConfig::lr, "peak learning rate",
//              must<double>([](double v) { return v > 0; }, "must be positive"));
//     return f;
//   }
//
// Kinds of field:
//   add(...)        a plain value (bool, number, string, json, list, map of name to value); a
//                   nested section (a type with from_json/to_json; a missing one keeps the
//                   member's default);
//                   a list of sections (read as `where: name[i]`); an optional section
//                   (std::optional<T>: absent unless given)
//   add_named(...)  an enum written as a name (parse and print functions)
//   add_custom(...) a field with its own read and write functions (a map of named sections)
//   add_group(...)  a JSON object whose fields are members of the same struct (the SFT config's
//                   "train": {...}); its fields are documented as "train.batch_size"
//   .required()     the field added last must be given
// Checks that involve several fields stay in the section's from_json, after read().
#pragma once
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
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

// As must, with the value at the end of the message: "must be >= 0, got -1".
template <typename T>
FieldCheck<T> must_got(std::function<bool(const T&)> ok, std::string msg) {
  return [ok = std::move(ok), msg = std::move(msg)](const T& v) -> std::optional<std::string> {
    if (ok(v)) return std::nullopt;
    return cat(msg, ", got ", json(v).dump());
  };
}

// The most common check: v >= lo, with the given message ("must be >= 1").
template <typename T>
FieldCheck<T> at_least(T lo, std::string msg) {
  return must<T>([lo](const T& v) { return v >= lo; }, std::move(msg));
}

// lo <= v <= hi, with the given message ("must be in [1, 4096]").
template <typename T>
FieldCheck<T> in_range(T lo, T hi, std::string msg) {
  return must<T>([lo, hi](const T& v) { return v >= lo && v <= hi; }, std::move(msg));
}

// A text field that takes one of a few names, with the message "must be a, b or c".
inline FieldCheck<std::string> one_of(std::vector<std::string> names) {
  std::string msg = "must be ";
  for (size_t i = 0; i < names.size(); ++i)
    msg += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return must<std::string>(
      [names = std::move(names)](const std::string& v) {
        for (const auto& n : names)
          if (v == n) return true;
        return false;
      },
      std::move(msg));
}

// A write_if for optional text fields: written only when set (e.g. an empty device, meaning
// "inherit", stays out of the resolved config).
inline std::function<bool(const std::string&)> unless_empty() {
  return [](const std::string& s) { return !s.empty(); };
}

template <typename C>
class ConfigFields;

// The from_json and to_json of a section that is its field list: derive from it and define
// fields(). A section with checks across fields declares its own from_json (fields().read(),
// then the checks), which hides this one; likewise to_json.
template <typename C>
struct FieldListed {
  static C from_json(const json& j, const std::string& where) { return C::fields().read(j, where); }
  json to_json() const { return C::fields().write(static_cast<const C&>(*this)); }
};

template <typename C>
class ConfigFields {
 public:
  explicit ConfigFields(std::string section) : section_(std::move(section)) {}

  // A field that is a member of C: a plain value or a section (see the top of this file).
  // `write_if` (optional) leaves the field out of write() when it returns false, e.g. an empty
  // device meaning "inherit".
  template <typename T>
  ConfigFields&& add(const char* name, T C::*member, const char* help,
                     std::type_identity_t<FieldCheck<T>> check = nullptr,
                     std::type_identity_t<std::function<bool(const T&)>> write_if = nullptr) && {
    return std::move(*this).template add<T>(
        name, [member](C& c) -> T& { return c.*member; }, help, std::move(check),
        std::move(write_if));
  }
  // The same for a value that is not a direct member (e.g. c.sampling.temperature, flattened
  // into the section): `ref` returns it. Call as add<double>("temperature", ...).
  template <typename T>
  ConfigFields&& add(const char* name, std::function<T&(C&)> ref, const char* help,
                     std::type_identity_t<FieldCheck<T>> check = nullptr,
                     std::type_identity_t<std::function<bool(const T&)>> write_if = nullptr) && {
    // Reading a const config through ref is safe: write, default_text, check and write_if only
    // read the value.
    auto get = [ref](const C& c) -> const T& { return ref(const_cast<C&>(c)); };
    Field f;
    f.name = name;
    f.help = help;
    if constexpr (has_fields<T>) {
      f.read = [name, ref](JsonReader& r, C& c, bool required) {
        if (!r.has(name) && !required) return;  // the member's default
        ref(c) = T::from_json(r.raw(name), where_of(r, name));
      };
      f.write = [get](const C& c) { return get(c).to_json(); };
      f.default_text = [](const C&) { return std::string("(section)"); };
    } else if constexpr (is_section_list<T>) {
      using E = typename T::value_type;
      f.read = [name, ref](JsonReader& r, C& c, bool required) {
        if (!r.has(name) && !required) return;
        const json& v = r.raw(name);
        if (!v.is_array()) {
          r.fail_field(name,
                       cat("expected an array, got ", json_type_name(v), " ", json_snippet(v)));
        }
        T out;
        for (size_t i = 0; i < v.size(); ++i) {
          out.push_back(E::from_json(v[i], cat(r.where(), ": ", name, "[", i, "]")));
        }
        ref(c) = std::move(out);
      };
      f.write = [get](const C& c) {
        json a = json::array();
        for (const auto& e : get(c)) a.push_back(e.to_json());
        return a;
      };
      f.default_text = [](const C&) { return std::string("(list of sections)"); };
    } else if constexpr (is_optional_section<T>) {
      using E = typename T::value_type;
      f.read = [name, ref](JsonReader& r, C& c, bool required) {
        if (!r.has(name) && !required) return;
        if (r.raw(name).is_null()) return;
        ref(c) = E::from_json(r.raw(name), where_of(r, name));
      };
      f.write = [get](const C& c) { return get(c)->to_json(); };
      f.default_text = [](const C&) { return std::string("(optional section)"); };
      if (!write_if) write_if = [](const T& v) { return v.has_value(); };
    } else {
      f.read = [name, ref](JsonReader& r, C& c, bool required) {
        ref(c) = required ? r.req<T>(name) : r.get<T>(name, ref(c));
      };
      f.write = [get](const C& c) { return json(get(c)); };
      f.default_text = [get](const C& c) { return json(get(c)).dump(); };
    }
    if (check) {
      f.check = [name, get, check](const std::string& where, const C& c) {
        if (auto msg = check(get(c))) fail(where, ": field '", name, "': ", *msg);
      };
    }
    if (write_if) {
      f.written = [get, write_if](const C& c) { return write_if(get(c)); };
    }
    fields_.push_back(std::move(f));
    return std::move(*this);
  }

  // An enum member written in JSON as a name. parse(text, where) throws naming `where` and the
  // known names; print gives the name of a value.
  template <typename E>
  ConfigFields&& add_named(const char* name, E C::*member, const char* help,
                           std::function<E(const std::string&, const std::string&)> parse,
                           std::function<std::string(E)> print) && {
    Field f;
    f.name = name;
    f.help = help;
    f.read = [name, member, parse, print](JsonReader& r, C& c, bool required) {
      const std::string text =
          required ? r.req<std::string>(name) : r.get<std::string>(name, print(c.*member));
      c.*member = parse(text, where_of(r, name));
    };
    f.write = [member, print](const C& c) { return json(print(c.*member)); };
    f.default_text = [member, print](const C& c) { return json(print(c.*member)).dump(); };
    fields_.push_back(std::move(f));
    return std::move(*this);
  }

  // A field read and written by its own functions, for a shape the kinds above do not cover
  // (a map of named sections). read(value, where, c) is called only when the field is given;
  // `where` names the field.
  ConfigFields&& add_custom(const char* name, const char* help, const char* default_text,
                            std::function<void(const json&, const std::string&, C&)> read,
                            std::function<json(const C&)> write) && {
    Field f;
    f.name = name;
    f.help = help;
    f.read = [name, read](JsonReader& r, C& c, bool required) {
      if (!r.has(name) && !required) return;
      read(r.raw(name), where_of(r, name), c);
    };
    f.write = std::move(write);
    f.default_text = [d = std::string(default_text)](const C&) { return d; };
    fields_.push_back(std::move(f));
    return std::move(*this);
  }

  // A JSON object `name` whose fields are listed in `group` and are members of C itself. A
  // missing object reads as {} unless required(). Its checks report "where: field 'name':
  // field 'x'".
  ConfigFields&& add_group(const char* name, const char* help, ConfigFields<C> group) && {
    auto sub = std::make_shared<const ConfigFields<C>>(std::move(group));
    Field f;
    f.name = name;
    f.help = help;
    f.group = sub;
    f.read = [name, sub](JsonReader& r, C& c, bool required) {
      JsonReader g = r.child(name, required);
      sub->read_fields(g, c);
    };
    f.write = [sub](const C& c) { return sub->write(c); };
    f.check = [name, sub](const std::string& where, const C& c) {
      sub->validate(c, cat(where, ": field '", name, "'"));
    };
    fields_.push_back(std::move(f));
    return std::move(*this);
  }

  // Marks the field added last as required: a config without it is refused, naming it.
  ConfigFields&& required() && {
    R1_CHECK(!fields_.empty(), "required() before any field");
    fields_.back().required = true;
    return std::move(*this);
  }

  // Reads every field on top of `start` (a missing one keeps its value there: the struct's
  // default, or a base such as the pool's default limits), rejects unknown fields, then runs
  // each field's check in list order.
  C read(const json& j, const std::string& where, const C& start) const {
    C c = start;
    read_into(j, where, c);
    return c;
  }
  C read(const json& j, const std::string& where) const {
    C c{};
    read_into(j, where, c);
    return c;
  }

  // The same, into a config the caller holds.
  void read_into(const json& j, const std::string& where, C& c) const {
    JsonReader r(j, where);
    read_fields(r, c);
    validate(c, where);
  }

  // Runs every field's check on a config, e.g. one built in code; throws "where: field 'x': ..."
  // for the first that fails.
  void validate(const C& c, const std::string& where) const {
    for (const Field& f : fields_) {
      if (f.check) f.check(where, c);
    }
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
    std::ostringstream s;
    s << "| `" << section_ << "` field | default | meaning |\n|---|---|---|\n";
    const C defaults{};
    rows(s, "", defaults);
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
  template <typename T>
  struct SectionList : std::false_type {};
  template <typename E>
  struct SectionList<std::vector<E>> : std::bool_constant<has_fields<E>> {};
  template <typename T>
  static constexpr bool is_section_list = SectionList<T>::value;
  template <typename T>
  struct OptionalSection : std::false_type {};
  template <typename E>
  struct OptionalSection<std::optional<E>> : std::bool_constant<has_fields<E>> {};
  template <typename T>
  static constexpr bool is_optional_section = OptionalSection<T>::value;

  static std::string where_of(const JsonReader& r, const char* name) {
    return cat(r.where(), ": field '", name, "'");
  }

  struct Field {
    std::string name, help;
    bool required = false;
    std::function<void(JsonReader&, C&, bool required)> read;
    std::function<json(const C&)> write;
    std::function<std::string(const C&)> default_text;        // unset for a group
    std::function<void(const std::string&, const C&)> check;  // unset: no check
    std::function<bool(const C&)> written;                    // unset: always written
    std::shared_ptr<const ConfigFields<C>> group;             // add_group's fields
  };

  void read_fields(JsonReader& r, C& c) const {
    for (const Field& f : fields_) f.read(r, c, f.required);
    r.done();
  }

  void rows(std::ostream& s, const std::string& prefix, const C& defaults) const {
    for (const Field& f : fields_) {
      if (f.group) {
        f.group->rows(s, prefix + f.name + ".", defaults);
        continue;
      }
      s << "| `" << prefix << f.name << "` | "
        << (f.required ? std::string("(required)") : "`" + f.default_text(defaults) + "`") << " | "
        << f.help << " |\n";
    }
  }

  std::string section_;
  std::vector<Field> fields_;
};

}  // namespace r1
