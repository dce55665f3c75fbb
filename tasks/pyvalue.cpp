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

std::string py_call(const std::string& fn, const json& args) {
  std::string s = fn + "(";
  for (size_t i = 0; i < args.size(); ++i) s += cat(i ? ", " : "", py_literal(args[i]));
  return s + ")";
}

}  // namespace r1
