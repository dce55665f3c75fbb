// JSON for configs, headers and JSONL files (nlohmann/json), plus JsonReader: reads the fields
// of one object with type checks, and rejects fields nobody asked for. Every error names the
// file (or other source) and the field path.
//
// Text that a user or a peer controls is parsed with parse_json (or load_json_file), never
// json::parse directly: it caps the nesting depth before nlohmann builds anything (copies,
// dumps and comparisons of a parsed value recurse once per level, so 100,000 levels overflow a
// thread's stack), and turns every parse failure, including numbers beyond double such as
// 1e999, into an r1::Error naming the source.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"

namespace r1 {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// The deepest nesting of arrays and objects that parse_json accepts by default. Configs,
// tokenizers, headers and tasks nest a few levels; 256 leaves room for any real data.
inline constexpr int kMaxJsonDepth = 256;

// Parses a file; an error names the file and, for a syntax error, the byte offset.
json load_json_file(const std::string& path, int max_depth = kMaxJsonDepth);
// Throws r1::Error naming `where` for a syntax error, invalid UTF-8, a number out of range, a
// key written twice in one object (naming the key and the object), or nesting deeper than
// max_depth (checked first, in one pass over the text).
json parse_json(const std::string& text, const std::string& where, int max_depth = kMaxJsonDepth);
// A value for a message: its JSON text, cut to about max_chars.
std::string json_snippet(const json& v, size_t max_chars = 80);

// The JSON type name of a value, for messages ("string", "integer", ...).
std::string json_type_name(const json& v);

namespace detail {
template <typename T>
struct IsNameMap : std::false_type {};
template <typename V>
struct IsNameMap<std::map<std::string, V>> : std::true_type {};
}  // namespace detail

class JsonReader {
 public:
  // `where` names the source in messages, for example "configs/run.json" or
  // "configs/run.json: field 'rollout'".
  JsonReader(const json& obj, std::string where);

  bool has(const std::string& key) const;
  template <typename T>
  T req(const std::string& key);
  template <typename T>
  T get(const std::string& key, const T& fallback);
  // A nested object; a missing optional one reads as {}.
  JsonReader child(const std::string& key, bool required = false);
  // The raw value (marked as used).
  const json& raw(const std::string& key);
  // Marks fields as known but unused (for example Hugging Face fields we do not model).
  void ignore(std::initializer_list<const char*> keys);
  // Throws if the object holds a field that nobody read or ignored.
  void done() const;

  // Throws "<where>: field '<key>': <msg>" unless ok.
  void check(bool ok, const std::string& key, const std::string& msg) const;
  [[noreturn]] void fail_field(const std::string& key, const std::string& msg) const;
  const std::string& where() const { return where_; }

 private:
  template <typename T>
  T convert(const std::string& key, const json& v) const;

  const json& obj_;
  std::string where_;
  std::set<std::string> used_;  // every field asked for, present or not
};

template <typename T>
T JsonReader::req(const std::string& key) {
  used_.insert(key);
  if (!has(key)) fail(where_, ": missing required field '", key, "'");
  return convert<T>(key, obj_.at(key));
}

template <typename T>
T JsonReader::get(const std::string& key, const T& fallback) {
  used_.insert(key);
  if (!has(key)) return fallback;
  if (obj_.at(key).is_null()) return fallback;
  return convert<T>(key, obj_.at(key));
}

template <typename T>
T JsonReader::convert(const std::string& key, const json& v) const {
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok)
      fail_field(key, cat("expected ", what, ", got ", json_type_name(v), " ", json_snippet(v)));
  };
  if constexpr (std::is_same_v<T, bool>) {
    expect(v.is_boolean(), "a boolean");
    return v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    expect(v.is_number_integer(), "an integer");
    if constexpr (std::is_unsigned_v<T>) {
      expect(v.is_number_unsigned() || v.get<int64_t>() >= 0, "a non-negative integer");
    }
    // get<T>() would wrap a value outside T (4294967297 read as an int is 1): refuse it instead.
    using limits = std::numeric_limits<T>;
    const bool fits = v.is_number_unsigned()
                          ? v.get<uint64_t>() <= static_cast<uint64_t>(limits::max())
                          : v.get<int64_t>() >= static_cast<int64_t>(limits::min()) &&
                                (v.get<int64_t>() < 0 || static_cast<uint64_t>(v.get<int64_t>()) <=
                                                             static_cast<uint64_t>(limits::max()));
    if (!fits) {
      fail_field(key, cat("expected an integer in [", +limits::min(), ", ", +limits::max(),
                          "], got ", json_snippet(v)));
    }
    return v.get<T>();
  } else if constexpr (std::is_floating_point_v<T>) {
    expect(v.is_number(), "a number");
    expect(std::isfinite(static_cast<T>(v.get<double>())), "a finite number in range");
    return v.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    expect(v.is_string(), "a string");
    return v.get<std::string>();
  } else if constexpr (std::is_same_v<T, json>) {
    return v;
  } else if constexpr (detail::IsNameMap<T>::value) {
    // std::map<std::string, V>: an object of name -> value ("start_levels": {"arith": 3}).
    expect(v.is_object(), "an object");
    T out;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out[it.key()] = convert<typename T::mapped_type>(cat(key, ".", it.key()), it.value());
    }
    return out;
  } else {
    // std::vector<U>
    expect(v.is_array(), "an array");
    T out;
    for (size_t i = 0; i < v.size(); ++i) {
      out.push_back(convert<typename T::value_type>(cat(key, "[", i, "]"), v[i]));
    }
    return out;
  }
}

}  // namespace r1
