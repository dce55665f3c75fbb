#include "core/json.h"

#include "core/fs.h"

namespace r1 {

json parse_json(const std::string& text, const std::string& where) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    fail(where, ": invalid JSON at byte ", e.byte, ": ", e.what());
  }
}

json load_json_file(const std::string& path) { return parse_json(read_file(path), path); }

std::string json_type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "value";
  }
}

JsonReader::JsonReader(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {
  if (!obj_.is_object()) fail(where_, ": expected a JSON object, got ", json_type_name(obj_));
}

bool JsonReader::has(const std::string& key) const { return obj_.contains(key); }

JsonReader JsonReader::child(const std::string& key, bool required) {
  static const json empty = json::object();
  std::string sub = cat(where_, ": field '", key, "'");
  used_.insert(key);
  if (!has(key)) {
    if (required) fail(where_, ": missing required field '", key, "'");
    return JsonReader(empty, sub);
  }
  const json& v = obj_.at(key);
  if (!v.is_object()) fail_field(key, cat("expected an object, got ", json_type_name(v)));
  return JsonReader(v, sub);
}

const json& JsonReader::raw(const std::string& key) {
  if (!has(key)) fail(where_, ": missing required field '", key, "'");
  used_.insert(key);
  return obj_.at(key);
}

void JsonReader::ignore(std::initializer_list<const char*> keys) {
  for (const char* k : keys) used_.insert(k);
}

void JsonReader::done() const {
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    if (!used_.count(it.key())) {
      std::string known;
      for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
      fail(where_, ": unknown field '", it.key(), "'",
           known.empty() ? std::string() : cat(" (known fields: ", known, ")"));
    }
  }
}

void JsonReader::check(bool ok, const std::string& key, const std::string& msg) const {
  if (!ok) fail_field(key, msg);
}

void JsonReader::fail_field(const std::string& key, const std::string& msg) const {
  fail(where_, ": field '", key, "': ", msg);
}

}  // namespace r1
