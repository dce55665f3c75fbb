#include "tasks/pyvalue.h"

#include "core/error.h"

namespace r1 {

std::string py_literal(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "None";
    case json::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::string:
      return v.dump();
    case json::value_t::array: {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += cat(i ? ", " : "", py_literal(v[i]));
      return s + "]";
    }
    default:
      fail("no Python literal for JSON ", json_type_name(v), " ", v.dump());
  }
}

namespace {

// Python's repr() of a str: single quotes unless the text holds ' and no ", escapes for
// backslashes, quotes and control bytes; other bytes as they are.
std::string repr_string(const std::string& t) {
  const bool dq = t.find('\'') != std::string::npos && t.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  std::string s(1, q);
  for (unsigned char c : t) {
    if (c == '\\' || c == static_cast<unsigned char>(q)) {
      s += '\\';
      s += static_cast<char>(c);
    } else if (c == '\n') {
      s += "\\n";
    } else if (c == '\r') {
      s += "\\r";
    } else if (c == '\t') {
      s += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      s += "\\x";
      s += hex[c >> 4];
      s += hex[c & 15];
    } else {
      s += static_cast<char>(c);
    }
  }
  return s + q;
}

}  // namespace

std::string py_repr(const json& v) {
  if (v.is_string()) return repr_string(v.get<std::string>());
  if (v.is_array()) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += cat(i ? ", " : "", py_repr(v[i]));
    return s + "]";
  }
  return py_literal(v);
}

std::string py_call(const std::string& fn, const json& args) {
  std::string s = fn + "(";
  for (size_t i = 0; i < args.size(); ++i) s += cat(i ? ", " : "", py_literal(args[i]));
  return s + ")";
}

}  // namespace r1
