#include "core/json.h"

#include <unordered_set>

#include "core/fs.h"

namespace r1 {

namespace {

// The offset of the bracket that opens level max_depth + 1, or npos. Counts '[' and '{' outside
// strings: wherever nlohmann accepts the text, its nesting is at most this count, so checking
// first bounds what it builds, and what every recursive walk over the result (copy, dump,
// comparison) needs in stack, whatever the text holds.
size_t too_deep_at(const std::string& text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character is text, even a quote
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string::npos;
}

std::string shorten(std::string s, size_t max_chars) {
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...";
  return s;
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix, cut short: it
// quotes the token it stopped in, which can be a whole line of input.
std::string reason_of(const json::exception& e) {
  std::string s = e.what();
  if (!s.empty() && s[0] == '[') {
    const size_t close = s.find("] ");
    if (close != std::string::npos) s.erase(0, close + 2);
  }
  return shorten(std::move(s), 300);
}

// A key written twice in one object: nlohmann keeps the last value without a word, so a config
// with "lr" twice trains at whichever came second, and two readers of one HTTP body may
// disagree on it. parse_json refuses it; `path` is the object's place, as keys from the top.
struct DuplicateKey {
  std::string key, path;
};

// nlohmann's own DOM builder behind a SAX handler that also keeps one set of keys per open
// object (arrays hold a frame too, so that frames and depth stay in step). A parser callback
// would do the same in fewer lines, but nlohmann's callback parser walks the parent container
// after every closed object: an object of N objects took O(N^2) (40,000 of them: 36 s).
class DuplicateKeyCheck {
 public:
  using dom = nlohmann::detail::json_sax_dom_parser<json>;
  explicit DuplicateKeyCheck(json& result) : dom_(result, true) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& s) {
    return dom_.number_float(v, s);
  }
  bool string(std::string& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) {
    frames_.push_back({true, {}, {}});
    return dom_.start_object(n);
  }
  bool key(std::string& k) {
    Frame& top = frames_.back();
    top.last_key = k;
    if (!top.keys.insert(k).second) throw DuplicateKey{k, path()};
    return dom_.key(k);
  }
  bool end_object() {
    frames_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    frames_.push_back({false, {}, {}});
    return dom_.start_array(n);
  }
  bool end_array() {
    frames_.pop_back();
    return dom_.end_array();
  }
  template <typename Exception>
  bool parse_error(std::size_t at, const std::string& token, const Exception& e) {
    return dom_.parse_error(at, token, e);  // throws e
  }

 private:
  struct Frame {
    bool is_object;
    std::unordered_set<std::string> keys;
    std::string last_key;
  };
  // The enclosing objects' keys ("rollout.sampling"), arrays as "[]"; the innermost frame's own
  // key is the duplicate itself, so it is left out.
  std::string path() const {
    std::string p;
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      if (frames_[i].is_object) {
        if (!p.empty()) p += '.';
        p += frames_[i].last_key;
      } else {
        p += "[]";
      }
    }
    return p;
  }
  dom dom_;
  std::vector<Frame> frames_;
};

}  // namespace

json parse_json(const std::string& text, const std::string& where, int max_depth) {
  const size_t deep = too_deep_at(text, max_depth);
  if (deep != std::string::npos) {
    fail(where, ": JSON nesting deeper than ", max_depth, " levels (at byte ", deep, ")");
  }
  try {
    json result;
    DuplicateKeyCheck sax(result);
    json::sax_parse(text, &sax);
    return result;
  } catch (const DuplicateKey& d) {
    fail(where, ": key '", shorten(d.key, 80), "' appears twice in ",
         d.path.empty() ? std::string("the top-level object")
                        : cat("object '", shorten(d.path, 120), "'"),
         " (JSON readers disagree on which value counts; write it once)");
  } catch (const json::parse_error& e) {
    fail(where, ": invalid JSON at byte ", e.byte, ": ", reason_of(e));
  } catch (const json::out_of_range& e) {
    // nlohmann's only out_of_range while parsing: a number beyond double (1e999).
    fail(where, ": number out of range: ", reason_of(e));
  } catch (const json::exception& e) {
    fail(where, ": invalid JSON: ", reason_of(e));
  }
}

json load_json_file(const std::string& path, int max_depth) {
  return parse_json(read_file(path), path, max_depth);
}

std::string json_snippet(const json& v, size_t max_chars) {
  return shorten(v.dump(-1, ' ', false, json::error_handler_t::replace), max_chars);
}

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
